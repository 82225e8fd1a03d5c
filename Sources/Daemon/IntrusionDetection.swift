import Detection
import Firewall
import Policy
import ServiceLifecycle

/// The IDS blocks through the firewall's timed blocklist (in-process libnftables; the kernel lifts the block). The
/// IDS records the detection and the block as its own `security_alert`.
public struct FirewallBlocker: Blocker {
    let blocklist: Blocklist

    public init(_ blocklist: Blocklist) { self.blocklist = blocklist }

    public func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        try blocklist.block(source, for: duration, reason: reason)
    }
}

/// The IDS's event sources (NFLOG, sshd's log) for as long as the daemon runs; stopped on graceful shutdown.
struct IntrusionDetectionService: Service {
    let sources: IDSSources

    func run() async throws {
        try? await gracefulShutdown()
        sources.stop()
    }
}
