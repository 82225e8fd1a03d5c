import Capabilities
import GRDB

/// Filters for reading the ledger. Built from untrusted text (CLI options, RPC fields) by ``init(filters:now:)``,
/// which rejects anything it does not understand with a message naming the filter.
public struct AuditQuery: Hashable, Sendable {
    public var since: Timestamp?
    public var until: Timestamp?
    public var agent: String?
    public var eventType: AuditEventType?
    public var action: String?
    public var targetPrefix: String?
    public var result: AuditResult?
    public var riskLevel: RiskLevel?
    public var limit: Int?

    public static let maximumLimit = 1_000_000

    public init() {}

    /// The filter names ``init(filters:now:)`` accepts.
    public static let filterNames = [
        "since", "until", "agent", "type", "action", "target-prefix", "result", "risk", "limit",
    ]

    /// Reads `name=value` filters. Times are RFC 3339 UTC, a day (`2026-11-29`, meaning its start), or a duration
    /// back from `now` (`15m`, `1h30m`).
    public init(filters: [(name: String, value: String)], now: Timestamp) throws(AuditError) {
        var seen: Set<String> = []
        for (name, value) in filters {
            guard seen.insert(name).inserted else { throw .input("filter --\(name) is given twice") }
            guard !value.utf8.contains(0), value.utf8.count <= AuditDraft.maximumFieldLength else {
                throw .input("--\(name): value is not acceptable text")
            }
            switch name {
            case "since": since = try Self.time(value, name: name, now: now)
            case "until": until = try Self.time(value, name: name, now: now)
            case "agent": agent = try Self.nonEmpty(value, name)
            case "action": action = try Self.nonEmpty(value, name)
            case "target-prefix": targetPrefix = value
            case "type":
                guard let type = AuditEventType(rawValue: value) else {
                    throw .input(
                        "--type '\(value)' is not an event type (\(AuditEventType.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                eventType = type
            case "result":
                guard let parsed = AuditResult(rawValue: value) else {
                    throw .input(
                        "--result '\(value)' is not a result (\(AuditResult.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                result = parsed
            case "risk":
                guard let parsed = RiskLevel(rawValue: value) else {
                    throw .input("--risk '\(value)' is not a risk level (low, medium, high, critical)")
                }
                riskLevel = parsed
            case "limit":
                guard let number = Int(value), (1...Self.maximumLimit).contains(number) else {
                    throw .input("--limit '\(value)' must be a number from 1 to \(Self.maximumLimit)")
                }
                limit = number
            default:
                throw .input("unknown filter '\(name)' (known: \(Self.filterNames.joined(separator: ", ")))")
            }
        }
        if let since, let until, until < since { throw .input("--until is before --since") }
    }

    private static func nonEmpty(_ value: String, _ name: String) throws(AuditError) -> String {
        guard !value.isEmpty else { throw .input("--\(name) must not be empty") }
        return value
    }

    /// A time as the filters read it: RFC 3339 UTC, a day, or a duration back from `now`.
    public static func time(_ text: String, name: String, now: Timestamp) throws(AuditError) -> Timestamp {
        if let time = Timestamp(rfc3339: text) { return time }
        if text.count == 10, let day = Timestamp(rfc3339: text + "T00:00:00Z") { return day }
        if let duration = try? GrantDuration(parsing: text) {
            return Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - duration.milliseconds)
        }
        throw .input("--\(name) '\(text)' is not a time (RFC 3339 UTC, YYYY-MM-DD, or a duration back such as 1h30m)")
    }

    /// SQL conditions and arguments for one day file.
    var sql: (condition: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let since { conditions.append("timestamp_ms >= ?"); arguments += [since.millisecondsSinceEpoch] }
        if let until { conditions.append("timestamp_ms < ?"); arguments += [until.millisecondsSinceEpoch] }
        if let agent { conditions.append("agent = ?"); arguments += [agent] }
        if let eventType { conditions.append("event_type = ?"); arguments += [eventType.rawValue] }
        if let action { conditions.append("action = ?"); arguments += [action] }
        if let targetPrefix {
            conditions.append("substr(target, 1, ?) = ?")
            arguments += [targetPrefix.unicodeScalars.count, targetPrefix]
        }
        if let result { conditions.append("result = ?"); arguments += [result.rawValue] }
        if let riskLevel { conditions.append("risk_level = ?"); arguments += [riskLevel.rawValue] }
        return (conditions.isEmpty ? "1" : conditions.joined(separator: " AND "), arguments)
    }

    /// Whether a day `YYYY-MM-DD` can hold matching entries.
    func mayMatch(day: String) -> Bool {
        if let since, day < since.utcDay { return false }
        if let until, day > until.utcDay { return false }
        return true
    }
}
