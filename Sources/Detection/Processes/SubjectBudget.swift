import Capabilities

/// Bounds how many subjects (agents, programs, modules) each rule counts apart per window: the aggregator keys an
/// alert by rule and subject, and subjects can be made up (a program's path), so past `perRule` subjects in a window
/// a rule's further new subjects share one key. A flood is then at most `perRule + 1` keys per rule and window,
/// whatever it names.
struct SubjectBudget: Sendable {
    let perRule: Int
    let window: GrantDuration
    private var start: Timestamp?
    private var subjects: [HostAlert.Rule: Set<String>] = [:]

    init(perRule: Int, window: GrantDuration) {
        self.perRule = perRule
        self.window = window
    }

    /// The aggregation key of `alert` at `now`.
    mutating func key(for alert: HostAlert, now: Timestamp) -> String {
        let over = start.map { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch >= window.milliseconds } ?? true
        if over {
            start = now
            subjects.removeAll(keepingCapacity: true)
        }
        var known = subjects[alert.rule, default: []]
        defer { subjects[alert.rule] = known }
        if known.contains(alert.subject) { return alert.key }
        guard known.count < perRule else { return "\(alert.rule.rawValue) (other subjects)" }
        known.insert(alert.subject)
        return alert.key
    }
}
