import Capabilities

/// Why an audit entry given as JSON (an import line, an RPC) cannot be accepted.
public struct AuditInputError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension AuditDraft {
    /// Limits on what one entry may carry, so a caller cannot make the ledger store megabytes per call.
    public static let maximumFieldLength = 4096
    public static let maximumDetailsLength = 65_536

    static let knownKeys: Set<String> = [
        "event_type", "agent", "action", "target", "capabilities_used", "result", "risk_level", "details",
        "decided_by", "task_id",
    ]

    /// Reads an entry in the spec's format, without `id` and `timestamp` (the ledger assigns both).
    public static func decode(_ value: JSONValue) throws(AuditInputError) -> AuditDraft {
        guard case .object(let members) = value else {
            throw AuditInputError(message: "an entry must be a JSON object")
        }
        for member in members where !knownKeys.contains(member.key) {
            if member.key == "id" || member.key == "timestamp" {
                throw AuditInputError(message: "'\(member.key)' is assigned by the ledger; leave it out")
            }
            throw AuditInputError(message: "unknown field '\(member.key)'")
        }
        let eventText = try string(value, "event_type")
        guard let eventType = AuditEventType(rawValue: eventText) else {
            let known = AuditEventType.allCases.map(\.rawValue).joined(separator: ", ")
            throw AuditInputError(message: "unknown event_type '\(eventText)' (one of: \(known))")
        }
        let resultText = try string(value, "result")
        guard let result = AuditResult(rawValue: resultText) else {
            let known = AuditResult.allCases.map(\.rawValue).joined(separator: ", ")
            throw AuditInputError(message: "unknown result '\(resultText)' (one of: \(known))")
        }
        let riskText = try string(value, "risk_level")
        guard let risk = RiskLevel(rawValue: riskText) else {
            throw AuditInputError(message: "unknown risk_level '\(riskText)' (low, medium, high, critical)")
        }
        let agent = try string(value, "agent")
        guard !agent.isEmpty else { throw AuditInputError(message: "'agent' must not be empty") }
        let action = try string(value, "action")
        guard !action.isEmpty else { throw AuditInputError(message: "'action' must not be empty") }
        var capabilities: [String] = []
        if let list = value["capabilities_used"] {
            guard case .array(let items) = list else {
                throw AuditInputError(message: "'capabilities_used' must be a list of strings")
            }
            for item in items {
                guard let text = item.stringValue, text.utf8.count <= maximumFieldLength else {
                    throw AuditInputError(message: "'capabilities_used' must be a list of strings")
                }
                capabilities.append(text)
            }
        }
        let details = value["details"] ?? .object([])
        guard case .object = details else { throw AuditInputError(message: "'details' must be a JSON object") }
        guard details.canonicalText.utf8.count <= maximumDetailsLength else {
            throw AuditInputError(message: "'details' is larger than \(maximumDetailsLength) bytes")
        }
        return AuditDraft(
            eventType: eventType, agent: agent, action: action, target: try string(value, "target", required: false),
            capabilitiesUsed: capabilities, result: result, riskLevel: risk, details: details,
            decidedBy: try decision(value["decided_by"]), taskID: try optionalString(value, "task_id"))
    }

    private static func string(_ value: JSONValue, _ key: String, required: Bool = true) throws(AuditInputError)
        -> String
    {
        guard let field = value[key] else {
            if required { throw AuditInputError(message: "missing field '\(key)'") }
            return ""
        }
        guard let text = field.stringValue else { throw AuditInputError(message: "'\(key)' must be a string") }
        guard text.utf8.count <= maximumFieldLength else {
            throw AuditInputError(message: "'\(key)' is longer than \(maximumFieldLength) bytes")
        }
        guard !text.utf8.contains(0) else { throw AuditInputError(message: "'\(key)' contains a NUL byte") }
        return text
    }

    private static func optionalString(_ value: JSONValue, _ key: String) throws(AuditInputError) -> String? {
        guard value[key] != nil else { return nil }
        return try string(value, key)
    }

    private static func decision(_ value: JSONValue?) throws(AuditInputError) -> DecisionRecord? {
        guard let value else { return nil }
        guard case .object(let members) = value else {
            throw AuditInputError(message: "'decided_by' must be an object")
        }
        for member in members where !["capability", "role", "grant_id", "expires_at"].contains(member.key) {
            throw AuditInputError(message: "unknown field 'decided_by.\(member.key)'")
        }
        var expiry: Timestamp? = nil
        if let text = try optionalString(value, "expires_at") {
            guard let parsed = Timestamp(rfc3339: text) else {
                throw AuditInputError(message: "'decided_by.expires_at' is not an RFC 3339 UTC time")
            }
            expiry = parsed
        }
        return DecisionRecord(
            capability: try string(value, "capability"), role: try optionalString(value, "role"),
            grantID: try optionalString(value, "grant_id"), expiresAt: expiry)
    }
}
