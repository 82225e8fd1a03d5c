import Audit
import Capabilities
import Policy

/// Keeps the ledger's cost of a flood bounded: per rule and window, the first `individually` alerts are recorded
/// one by one; the rest are counted (with what was done about them and a sample of their sources) and recorded as
/// one summary when the window ends. A spoofed-source flood of any size is then at most `individually + 1`
/// entries per rule and window. Lost events (NFLOG drops) are one alert per window the same way: the first loss at
/// once, the rest in the window's summary.
struct AlertAggregator: Sendable {
    static let sampleSize = 10
    let individually: Int
    let window: GrantDuration

    private struct Bucket: Sendable {
        let rule: String
        let start: Timestamp
        var recorded = 0
        var folded = 0
        var blocked = 0
        var blockFailures = 0
        var sample: [String] = []
    }

    private var buckets: [String: Bucket] = [:]
    private var lost: (start: Timestamp, reported: Int, pending: Int, source: String)?

    init(individually: Int, window: GrantDuration) {
        self.individually = individually
        self.window = window
    }

    /// Whether `alert` is recorded on its own; otherwise it is folded into its rule's window summary.
    mutating func admit(_ alert: IntrusionAlert, outcome: IntrusionAlert.Outcome, now: Timestamp) -> Bool {
        let failed = if case .blockFailed = outcome { true } else { false }
        return admit(
            key: alert.rule.rawValue, rule: alert.rule.rawValue, subject: alert.subject, acted: outcome == .blocked,
            failed: failed, now: now)
    }

    /// The same for any alert: `key` is what is counted together (a rule, or a rule and its subject), `acted` a
    /// response that was carried out (a block, a freeze), `failed` one that failed.
    mutating func admit(key: String, rule: String, subject: String, acted: Bool, failed: Bool, now: Timestamp) -> Bool {
        var bucket = buckets[key] ?? Bucket(rule: rule, start: now)
        defer { buckets[key] = bucket }
        guard bucket.recorded >= individually else {
            bucket.recorded += 1
            return true
        }
        bucket.folded += 1
        if acted { bucket.blocked += 1 }
        if failed { bucket.blockFailures += 1 }
        if bucket.sample.count < Self.sampleSize { bucket.sample.append(subject) }
        return false
    }

    /// `count` events the sources lost: an `ids.event_loss` draft at once for the first loss of a window.
    mutating func recordLoss(_ count: Int, source: String, now: Timestamp) -> AuditDraft? {
        guard count > 0 else { return nil }
        if var current = lost {
            current.pending += count
            lost = current
            return nil
        }
        lost = (now, count, 0, source)
        return Self.lossDraft(count, source: source, since: now, until: now)
    }

    /// The summaries of the windows that ended by `now`, and of all of them when `now` is nil (shutdown).
    mutating func close(now: Timestamp?) -> [AuditDraft] {
        var drafts: [AuditDraft] = []
        for (key, bucket) in buckets.sorted(by: { $0.key < $1.key }) where isOver(bucket.start, now) {
            buckets.removeValue(forKey: key)
            if bucket.folded > 0 { drafts.append(summary(key: key, bucket, until: now ?? bucket.start)) }
        }
        if let current = lost, isOver(current.start, now) {
            lost = nil
            if current.pending > 0 {
                drafts.append(Self.lossDraft(current.pending, source: current.source, since: current.start, until: now))
            }
        }
        return drafts
    }

    private func isOver(_ start: Timestamp, _ now: Timestamp?) -> Bool {
        guard let now else { return true }
        return now.millisecondsSinceEpoch - start.millisecondsSinceEpoch >= window.milliseconds
    }

    private func summary(key: String, _ bucket: Bucket, until: Timestamp) -> AuditDraft {
        let rule = bucket.rule
        var details: [(key: String, value: JSONValue)] = [
            ("rule", .string(rule)), ("window_start", .string(bucket.start.rfc3339)),
            ("window_end", .string(until.rfc3339)), ("recorded_individually", .integer(Int64(bucket.recorded))),
            ("aggregated", .integer(Int64(bucket.folded))), ("blocked", .integer(Int64(bucket.blocked))),
            ("block_failures", .integer(Int64(bucket.blockFailures))),
            ("sample", .array(bucket.sample.map { .string($0) })),
            (
                "summary",
                .string("\(bucket.folded) more \(rule) alerts in \(window) beyond \(individually) recorded one by one")
            ),
        ]
        if key != rule { details.insert(("key", .string(key)), at: 1) }
        return AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: "ids.\(rule)", target: "aggregate",
            result: bucket.blockFailures > 0 ? .failure : .success, riskLevel: .high, details: .object(details))
    }

    private static func lossDraft(_ count: Int, source: String, since: Timestamp, until: Timestamp?)
        -> AuditDraft
    {
        AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: "ids.event_loss", target: source,
            result: .failure, riskLevel: .high,
            details: .object([
                ("lost", .integer(Int64(count))), ("since", .string(since.rfc3339)),
                ("until", .string((until ?? since).rfc3339)),
                (
                    "summary",
                    .string(
                        "\(count) kernel events lost (\(source) buffer overrun or sequence gap): detections may be missed"
                    )
                ),
            ]))
    }
}
