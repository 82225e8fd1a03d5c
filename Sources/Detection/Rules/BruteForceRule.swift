import Capabilities
import Policy

/// `count` failed attempts from one source within `window` (an exact sliding window, inclusive) fire once; the
/// source's count starts again from zero, and its failures are not counted while its block lasts.
///
/// A source is one address, or with `prefixLength` set one block of addresses (an IPv6 /64: a client that rotates
/// its address inside its network is still one source). Attempts may arrive slightly out of order (a username
/// probe is known only when its connection ends), so each source keeps its recent attempts sorted and every window
/// around a new one is checked. At most `capacity` sources are held (the oldest make room).
public struct BruteForceRule: Sendable {
    public let rule: IDSRule
    public let threshold: RateThreshold
    /// Counting per block of this many bits (IPv4, IPv6), or nil: per address.
    public let prefixLength: BruteForcePrefix?
    private var histories: SourceTable<[FailedAttempt]>
    private var quietUntil: SourceTable<Int64>

    public init(
        rule: IDSRule = .bruteForce, threshold: RateThreshold, prefixLength: BruteForcePrefix? = nil,
        capacity: Int = IDSPolicy.defaultTrackedSources
    ) {
        precondition(threshold.count >= 1, "a threshold counts at least one attempt")
        self.rule = rule
        self.threshold = threshold
        self.prefixLength = prefixLength
        histories = SourceTable(capacity: capacity)
        quietUntil = SourceTable(capacity: capacity)
    }

    /// Sources with attempts still inside the window (for tests and statistics).
    public var trackedSources: Int { histories.count }

    /// The block `address` is counted in: the address itself, or its prefix.
    public func key(of address: IPAddress) -> IPPrefix {
        guard let prefixLength else { return IPPrefix(host: address) }
        return IPPrefix(covering: address, length: address.isIPv4 ? prefixLength.v4 : prefixLength.v6)
    }

    /// Counts `attempt`; returns the alert when it completes a window of `count` attempts.
    public mutating func record(_ attempt: FailedAttempt, now: Timestamp) -> IntrusionAlert? {
        let milliseconds = now.millisecondsSinceEpoch
        histories.expire(before: milliseconds - window - 2 * AttemptTracker.probeHorizon)
        quietUntil.expire(before: milliseconds)
        let prefix = key(of: attempt.source)
        let source = prefix.address
        if let until = quietUntil[source] {
            if milliseconds < until { return nil }
            quietUntil.remove(source)
        }
        var list = histories.take(source) ?? []
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
            if last.time.millisecondsSinceEpoch - list[first].time.millisecondsSinceEpoch <= window,
                spreads(list[first..<first + count])
            {
                let until = now.adding(threshold.blockFor).millisecondsSinceEpoch
                quietUntil.put(source, until, touched: until)
                return alert(Array(list[first..<first + count]), prefix: prefix, now: now)
            }
        }
        histories.put(source, list, touched: list[list.count - 1].time.millisecondsSinceEpoch)
        return nil
    }

    private var window: Int64 { threshold.window.milliseconds }

    /// Per prefix, a window counts only when it holds more than one address: one address alone is the per-address
    /// rule's (the same failures must not fire twice).
    private func spreads(_ attempts: ArraySlice<FailedAttempt>) -> Bool {
        guard prefixLength != nil, let first = attempts.first?.source else { return true }
        return attempts.contains { $0.source != first }
    }

    private func alert(_ attempts: [FailedAttempt], prefix: IPPrefix, now: Timestamp) -> IntrusionAlert {
        let what = rule == .authenticationFailures ? "failed authentications" : "failed SSH login attempts"
        let isBlock = prefixLength != nil && !prefix.isHost
        let from = isBlock ? " from \(Set(attempts.map(\.source)).count) addresses in \(prefix)" : ""
        return IntrusionAlert(
            rule: rule, source: prefix.address, time: now, thresholdMetAt: attempts.map(\.time).max() ?? now,
            evidence: attempts.map(\.evidence), summary: "\(attempts.count) \(what)\(from) within \(threshold.window)",
            response: .block(threshold.blockFor), prefix: isBlock ? prefix : nil)
    }
}
