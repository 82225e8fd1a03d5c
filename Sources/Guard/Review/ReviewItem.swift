import Audit
import Capabilities

/// One thing a human should look at: an escalation and its verdict, an action the analysis took or was refused, a
/// suggestion only a human may act on (the emergency stop), a model refused. Linked to the ledger entries it is
/// about, so the review reads the record, not a retelling of it.
public struct ReviewItem: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case escalation
        case action
        case refusedAction = "refused_action"
        case suggestion
        case model
        /// A high-risk call the orchestrator (an AI agent itself) approved.
        case decision
    }

    public enum State: String, Sendable {
        case open
        case acknowledged
    }

    public let id: String
    public let kind: Kind
    public let created: Timestamp
    public let summary: String
    public let entryIDs: [String]
    public let details: JSONValue
    public var state: State
    public var acknowledgedBy: String?
    public var acknowledged: Timestamp?
    public var note: String?

    /// The longest summary kept (longer ones are cut at a character boundary).
    public static let maximumSummaryBytes = 1_024
    /// The longest acknowledgement note accepted.
    public static let maximumNoteBytes = 4_096
}

/// What a producer hands the queue; the queue gives it an id, a time and the open state.
public struct ReviewDraft: Sendable {
    public let kind: ReviewItem.Kind
    public let summary: String
    public let entryIDs: [String]
    public let details: JSONValue

    public init(kind: ReviewItem.Kind, summary: String, entryIDs: [String], details: JSONValue = .object([])) {
        self.kind = kind
        self.summary = summary
        self.entryIDs = entryIDs
        self.details = details
    }
}
