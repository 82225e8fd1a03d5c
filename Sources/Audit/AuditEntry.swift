import Capabilities

/// What decided an audited action: the capability, and the role or grant (with its id and expiry) that carried it.
public struct DecisionRecord: Hashable, Sendable {
    public let capability: String
    public let role: String?
    public let grantID: String?
    public let expiresAt: Timestamp?

    public init(capability: String, role: String? = nil, grantID: String? = nil, expiresAt: Timestamp? = nil) {
        self.capability = capability
        self.role = role
        self.grantID = grantID
        self.expiresAt = expiresAt
    }

    /// The record of what allowed a request.
    public init(_ basis: DecisionBasis) {
        switch basis.source {
        case .role(let role, let expiry):
            self.init(capability: basis.capability.description, role: role.rawValue, expiresAt: expiry)
        case .grant(let id, let expiry, _):
            self.init(capability: basis.capability.description, grantID: id.rawValue, expiresAt: expiry)
        }
    }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("capability", .string(capability))]
        if let role { members.append(("role", .string(role))) }
        if let grantID { members.append(("grant_id", .string(grantID))) }
        if let expiresAt { members.append(("expires_at", .string(expiresAt.rfc3339))) }
        return .object(members)
    }
}

/// Everything about an audited action that the caller knows; the ledger adds the id and the timestamp.
public struct AuditDraft: Hashable, Sendable {
    public var eventType: AuditEventType
    public var agent: String
    public var action: String
    public var target: String
    public var capabilitiesUsed: [String]
    public var result: AuditResult
    public var riskLevel: RiskLevel
    /// A JSON object; stored with its keys sorted.
    public var details: JSONValue
    public var decidedBy: DecisionRecord?
    public var taskID: String?

    public init(
        eventType: AuditEventType, agent: String, action: String, target: String, capabilitiesUsed: [String] = [],
        result: AuditResult, riskLevel: RiskLevel, details: JSONValue = .object([]), decidedBy: DecisionRecord? = nil,
        taskID: String? = nil
    ) {
        self.eventType = eventType
        self.agent = agent
        self.action = action
        self.target = target
        self.capabilitiesUsed = capabilitiesUsed
        self.result = result
        self.riskLevel = riskLevel
        self.details = details
        self.decidedBy = decidedBy
        self.taskID = taskID
    }
}

/// One entry of the ledger, in the spec's "Audit Entry Format".
///
/// ``canonicalJSON`` is the exact text that is hashed and stored; exports print it unchanged, so an export is
/// byte for byte what was committed. Keys appear in the spec's order — `id`, `timestamp`, `event_type`, `agent`,
/// `action`, `target`, `capabilities_used`, `result`, `risk_level`, `details` — followed, only when present, by
/// `decided_by` and `task_id`.
public struct AuditEntry: Hashable, Sendable {
    public let id: String
    public let timestamp: Timestamp
    public let draft: AuditDraft

    public var eventType: AuditEventType { draft.eventType }
    public var agent: String { draft.agent }
    public var action: String { draft.action }
    public var target: String { draft.target }
    public var result: AuditResult { draft.result }
    public var riskLevel: RiskLevel { draft.riskLevel }

    public init(id: String, timestamp: Timestamp, draft: AuditDraft) {
        self.id = id
        self.timestamp = timestamp
        self.draft = draft
    }

    /// The text hashed into the chain and the Merkle tree.
    public var canonicalJSON: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// ``canonicalJSON`` as bytes — the one definition of an entry's stored form, written directly with
    /// ``JSONValue``'s string and value writers (no intermediate value: this runs once per appended entry).
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(384)
        func field(_ key: StaticString, _ value: String, first: Bool = false) {
            out += (first ? "{\"" : ",\"").utf8
            key.withUTF8Buffer { out += $0 }
            out += "\":".utf8
            JSONValue.writeString(value, to: &out)
        }
        field("id", id, first: true)
        out += #","timestamp":""#.utf8
        timestamp.writeRFC3339(to: &out)
        out.append(UInt8(ascii: "\""))
        field("event_type", draft.eventType.rawValue)
        field("agent", draft.agent)
        field("action", draft.action)
        field("target", draft.target)
        out += #","capabilities_used":["#.utf8
        for (index, capability) in draft.capabilitiesUsed.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(capability, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        field("result", draft.result.rawValue)
        field("risk_level", draft.riskLevel.rawValue)
        out += #","details":"#.utf8
        draft.details.sortingKeys.write(to: &out)
        if let decidedBy = draft.decidedBy {
            out += #","decided_by":"#.utf8
            decidedBy.json.write(to: &out)
        }
        if let taskID = draft.taskID { field("task_id", taskID) }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
