import Capabilities
import Policy

/// An inbound attempt to a port outside the open ports is unexpected: alerted once per source per `window` (the
/// first port, and the ones that follow within the window as the scan rule's evidence), blocked only when policy
/// says so. At most `capacity` sources are remembered (the oldest make room): O(1) work per attempt, however many
/// sources a flood spoofs.
public struct UnexpectedPortRule: Sendable {
    public private(set) var openPorts: Set<UInt16>
    public let window: GrantDuration
    public let blockFor: GrantDuration?
    /// Alerted sources, until their quiet time ends (touched at that end).
    private var quietUntil: SourceTable<Int64>

    public init(
        openPorts: Set<UInt16>, window: GrantDuration, blockFor: GrantDuration?,
        capacity: Int = IDSPolicy.defaultTrackedSources
    ) {
        self.openPorts = openPorts
        self.window = window
        self.blockFor = blockFor
        quietUntil = SourceTable(capacity: capacity)
    }

    public var trackedSources: Int { quietUntil.count }

    /// Follows the firewall: a port opened by a dynamic rule stops being unexpected.
    public mutating func setOpenPorts(_ ports: Set<UInt16>) { openPorts = ports }

    public mutating func record(_ attempt: ConnectionAttempt, now: Timestamp) -> IntrusionAlert? {
        guard !openPorts.contains(attempt.destinationPort) else { return nil }
        let milliseconds = now.millisecondsSinceEpoch
        quietUntil.expire(before: milliseconds)
        if let until = quietUntil[attempt.source], milliseconds < until { return nil }
        let until = now.adding(blockFor.map { max($0, window) } ?? window).millisecondsSinceEpoch
        quietUntil.put(attempt.source, until, touched: until)
        return IntrusionAlert(
            rule: .unexpectedPort, source: attempt.source, time: now, thresholdMetAt: now,
            evidence: [attempt.description], ports: [attempt.destinationPort],
            summary:
                "\(attempt.transport.rawValue) attempt to port \(attempt.destinationPort), which nothing may listen on",
            response: blockFor.map { .block($0) } ?? .alertOnly(reason: "unexpected ports are alerted, not blocked"))
    }
}
