import Capabilities
import Policy

/// An inbound attempt to a port outside the open ports is unexpected: alerted once per source per `window` (the
/// first port, and the ones that follow within the window as the scan rule's evidence), blocked only when policy
/// says so.
public struct UnexpectedPortRule: Sendable {
    public private(set) var openPorts: Set<UInt16>
    public let window: GrantDuration
    public let blockFor: GrantDuration?
    private var quietUntil: [IPAddress: Timestamp] = [:]

    public init(openPorts: Set<UInt16>, window: GrantDuration, blockFor: GrantDuration?) {
        self.openPorts = openPorts
        self.window = window
        self.blockFor = blockFor
    }

    /// Follows the firewall: a port opened by a dynamic rule stops being unexpected.
    public mutating func setOpenPorts(_ ports: Set<UInt16>) { openPorts = ports }

    public mutating func record(_ attempt: ConnectionAttempt, now: Timestamp) -> IntrusionAlert? {
        guard !openPorts.contains(attempt.destinationPort) else { return nil }
        if let until = quietUntil[attempt.source], now < until { return nil }
        if quietUntil.count > 65_536 { quietUntil = quietUntil.filter { $0.value > now } }
        quietUntil[attempt.source] = now.adding(blockFor.map { max($0, window) } ?? window)
        return IntrusionAlert(
            rule: .unexpectedPort, source: attempt.source, time: now, thresholdMetAt: now,
            evidence: [attempt.description], ports: [attempt.destinationPort],
            summary:
                "\(attempt.transport.rawValue) attempt to port \(attempt.destinationPort), which nothing may listen on",
            response: blockFor.map { .block($0) } ?? .alertOnly(reason: "unexpected ports are alerted, not blocked"))
    }
}
