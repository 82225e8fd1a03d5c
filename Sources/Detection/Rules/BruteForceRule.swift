import Capabilities
import Policy

/// `count` failed attempts from one source within `window` (an exact sliding window, inclusive) fire once; the
/// source's count starts again from zero, and its failures are not counted while its block lasts.
///
/// Attempts may arrive slightly out of order (a username probe is known only when its connection ends), so each
/// source keeps its recent attempts sorted and every window around a new one is checked.
public struct BruteForceRule: Sendable {
    public let rule: IDSRule
    public let threshold: RateThreshold
    private var histories: [IPAddress: [FailedAttempt]] = [:]
    private var quietUntil: [IPAddress: Timestamp] = [:]
    private var recordsSinceSweep = 0

    public init(rule: IDSRule = .bruteForce, threshold: RateThreshold) {
        precondition(threshold.count >= 1, "a threshold counts at least one attempt")
        self.rule = rule
        self.threshold = threshold
    }

    /// Sources with attempts still inside the window (for tests and statistics).
    public var trackedSources: Int { histories.count }

    /// Counts `attempt`; returns the alert when it completes a window of `count` attempts.
    public mutating func record(_ attempt: FailedAttempt, now: Timestamp) -> IntrusionAlert? {
        sweepIfDue(now: now)
        if let until = quietUntil[attempt.source] {
            if now < until { return nil }
            quietUntil.removeValue(forKey: attempt.source)
        }
        var list = histories.removeValue(forKey: attempt.source) ?? []
        var index = list.count
        while index > 0 && list[index - 1].time > attempt.time { index -= 1 }
        list.insert(attempt, at: index)
        let horizon = list[list.count - 1].time.millisecondsSinceEpoch - window - AttemptTracker.probeHorizon
        if let keep = list.firstIndex(where: { $0.time.millisecondsSinceEpoch >= horizon }), keep > 0 {
            list.removeFirst(keep)
            index -= keep
        }
        let count = threshold.count
        for first in max(0, index - count + 1)...max(0, index) where first + count <= list.count && first <= index {
            let last = list[first + count - 1]
            if last.time.millisecondsSinceEpoch - list[first].time.millisecondsSinceEpoch <= window {
                quietUntil[attempt.source] = now.adding(threshold.blockFor)
                return alert(Array(list[first..<first + count]), source: attempt.source, now: now)
            }
        }
        histories[attempt.source] = list
        return nil
    }

    private var window: Int64 { threshold.window.milliseconds }

    private func alert(_ attempts: [FailedAttempt], source: IPAddress, now: Timestamp) -> IntrusionAlert {
        let what = rule == .bruteForce ? "failed SSH login attempts" : "failed authentications"
        return IntrusionAlert(
            rule: rule, source: source, time: now, thresholdMetAt: attempts.map(\.time).max() ?? now,
            evidence: attempts.map(\.evidence), summary: "\(attempts.count) \(what) within \(threshold.window)",
            response: .block(threshold.blockFor))
    }

    /// Forgets sources whose attempts have all left the window and blocks that have ended, every 4,096 records:
    /// memory stays proportional to the sources active in the last window, whatever the log's length.
    private mutating func sweepIfDue(now: Timestamp) {
        recordsSinceSweep += 1
        guard recordsSinceSweep >= 4096 else { return }
        recordsSinceSweep = 0
        let horizon = now.millisecondsSinceEpoch - window - 2 * AttemptTracker.probeHorizon
        histories = histories.filter { ($0.value.last?.time.millisecondsSinceEpoch ?? .min) >= horizon }
        quietUntil = quietUntil.filter { $0.value > now }
    }
}
