import Detection
import Firewall
import Policy
import ServiceLifecycle

/// The IDS blocks through the firewall's timed blocklist (in-process libnftables; the kernel lifts the block). The
/// IDS records the detection and the block as its own `security_alert`.
public struct FirewallBlocker: Blocker {
    let blocklist: Blocklist
    let critical: CriticalAddresses?

    public init(_ blocklist: Blocklist, critical: CriticalAddresses? = nil) {
        self.blocklist = blocklist
        self.critical = critical
    }

    /// Blocks through the controller's blocklist, never the addresses the machine depends on.
    public init(_ controller: FirewallController) {
        self.init(controller.blocklist, critical: controller.criticalAddresses)
    }

    public func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        try blocklist.block(source, for: duration, reason: reason)
    }

    public func block(prefix: IPPrefix, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        try blocklist.block(prefix: prefix, for: duration, reason: reason)
    }

    public func protection(of source: IPAddress) -> String? { critical?.reason(for: source) }

    public func hasCompletedHandshake(_ source: IPAddress) -> Bool { blocklist.hasCompletedHandshake(source) }
}

/// The IDS's event sources (NFLOG, sshd's log) for as long as the daemon runs; stopped on graceful shutdown.
struct IntrusionDetectionService: Service {
    let sources: IDSSources

    func run() async throws {
        try? await gracefulShutdown()
        sources.stop()
    }
}

extension IDSSources {
    /// Counts a refused caller of the daemon as an authentication failure of its source address (gRPC's peer text:
    /// `ipv4:ADDRESS:PORT` or `ipv6:[ADDRESS]:PORT`; Unix-socket callers have no address and are not counted).
    func recordRefusedCaller(peer: String, reason: String) {
        var text = Substring(peer)
        if text.hasPrefix("ipv4:"), let colon = text.lastIndex(of: ":") {
            text = text[text.index(text.startIndex, offsetBy: 5)..<colon]
        } else if text.hasPrefix("ipv6:["), let close = text.firstIndex(of: "]") {
            text = text[text.index(text.startIndex, offsetBy: 6)..<close]
        } else {
            return
        }
        guard let address = IPAddress(String(text)) else { return }
        ids.recordAuthenticationFailure(from: address, channel: "mtls", detail: reason)
    }
}
