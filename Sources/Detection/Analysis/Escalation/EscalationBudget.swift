import Capabilities

/// Escalations per sliding hour: a call is allowed when fewer than `callsPerHour` were allowed in the hour before it.
public struct EscalationBudget: Sendable {
    public let callsPerHour: Int
    private var taken: [Timestamp] = []

    public init(callsPerHour: Int) {
        self.callsPerHour = callsPerHour
    }

    /// Takes one call at `now` if the budget has room; false (and nothing taken) when over budget.
    public mutating func take(at now: Timestamp) -> Bool {
        let hourAgo = now.millisecondsSinceEpoch - 3_600_000
        taken.removeAll { $0.millisecondsSinceEpoch <= hourAgo }
        guard taken.count < callsPerHour else { return false }
        taken.append(now)
        return true
    }

    /// Calls left at `now`.
    public func remaining(at now: Timestamp) -> Int {
        let hourAgo = now.millisecondsSinceEpoch - 3_600_000
        return max(0, callsPerHour - taken.filter { $0.millisecondsSinceEpoch > hourAgo }.count)
    }
}
