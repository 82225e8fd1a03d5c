import Audit
import Policy

/// The `policy_change` entry of a daemon's start: which policy it enforces, by the SHA-256 of the exact text it
/// parsed, and whether that differs from what the previous start loaded (a policy changed between runs is the one
/// change a running daemon cannot see, so it is said at the next start, with both hashes).
public enum PolicyAudit {
    public static let action = "policy.load"

    public static func digest(of text: String) -> String {
        Hash32.sha256(Array(text.utf8)).hex
    }

    /// The hash the newest recorded load named, if the ledger holds one.
    public static func previousDigest(ledgerDirectory: String) throws(AuditError) -> String? {
        var query = AuditQuery()
        query.eventType = .policyChange
        query.action = action
        let page = try LedgerReader(directory: ledgerDirectory).page(
            matching: query, before: nil, limit: 1, budget: .max)
        guard let newest = page.entries.first, let entry = try? JSONParser.parse(newest.json) else { return nil }
        return entry["details"]?["sha256"]?.stringValue
    }

    public static func loaded(_ policy: SecurityPolicy, text: String, previous: String?) -> AuditDraft {
        let digest = digest(of: text)
        let changed = previous.map { $0 != digest } ?? false
        var details: [(key: String, value: JSONValue)] = [
            ("sha256", .string(digest)), ("bytes", .integer(Int64(text.utf8.count))),
            ("roles", .integer(Int64(policy.roles.count))), ("agents", .integer(Int64(policy.agents.count))),
            ("operators", .integer(Int64(policy.emergency.operators.count))),
            (
                "reason",
                .string(changed ? "daemon start: the policy differs from the previous start's" : "daemon start")
            ),
        ]
        if let previous { details.append(("previous_sha256", .string(previous))) }
        return AuditDraft(
            eventType: .policyChange, agent: "aios-sec", action: action, target: policy.source, result: .success,
            riskLevel: changed ? .medium : .low, details: .object(details))
    }
}
