import Audit
import Capabilities

/// What the events API serves: the security agent reads these as `get_network_events(last="5m")` and the like.
public enum HostEventKind: String, CaseIterable, Hashable, Sendable {
    /// Connections, inbound and outbound, and their ends.
    case network
    /// Changes to watched files, by the Broker or anyone else.
    case files
    /// Process starts, programs, credential changes and ends; agents started and stopped.
    case processes
    /// Every `security_alert`, whatever raised it.
    case alerts

    /// The kind a ledger entry of this type belongs to; nil for the types the events API does not serve (grants,
    /// tool calls, policy changes…: those are the audit query's).
    public init?(recording type: AuditEventType) {
        switch type {
        case .networkConnection: self = .network
        case .fileModification: self = .files
        case .humanCommand, .agentSpawn, .agentShutdown: self = .processes
        case .securityAlert: self = .alerts
        default: return nil
        }
    }

    /// The ledger's event types of this kind, for ranges older than the in-memory window.
    public var recordedTypes: [AuditEventType] {
        AuditEventType.allCases.filter { HostEventKind(recording: $0) == self }
    }
}

/// One observation in the shape of a ledger entry, whether or not it was recorded: sources see far more than the
/// ledger keeps (every exec, every packet of a flow), and the window keeps those details for a while.
public struct HostEvent: Hashable, Sendable {
    public let kind: HostEventKind
    /// The ledger's entry when recorded; otherwise the observation with an empty id and the time it was seen.
    public let entry: AuditEntry

    public var recorded: Bool { !entry.id.isEmpty }
    public var time: Timestamp { entry.timestamp }

    /// An observation that is not in the ledger.
    public init(kind: HostEventKind, time: Timestamp, draft: AuditDraft) {
        self.kind = kind
        self.entry = AuditEntry(id: "", timestamp: time, draft: draft)
    }

    /// A committed ledger entry, when its type is one the events API serves.
    public init?(recorded entry: AuditEntry) {
        guard let kind = HostEventKind(recording: entry.eventType) else { return nil }
        self.kind = kind
        self.entry = entry
    }
}
