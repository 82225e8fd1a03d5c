import NIOCore

/// The proxy's open tunnels (connections past their `200`), checked every ``EgressProxy/Configuration/sweepInterval``:
/// one open for long is recorded while open; one idle for longer than the idle timeout is closed; and — when the
/// policy closes connections on revoke — one whose destination the policy no longer allows (a revoked or expired
/// grant, an emergency stop) is cut and recorded with the capability it lost. Touched only on the proxy's one event
/// loop.
final class EgressTunnels: @unchecked Sendable {
    // @unchecked: every member is used on `loop` only (asserted).

    /// One tunnel: its record, its two channels, when a byte last crossed it, and how to ask the policy again.
    final class Tunnel {
        let log: ConnectionLog
        let agent: any Channel
        let peer: any Channel
        var lastActivity = NIODeadline.now()
        /// Whether it was recorded while open.
        var recordedOpen = false
        /// The policy's answer now for what the tunnel was opened under (`net:connect` out, `net:listen` in).
        let recheck: () -> EgressDecision

        init(log: ConnectionLog, agent: any Channel, peer: any Channel, recheck: @escaping () -> EgressDecision) {
            self.log = log
            self.agent = agent
            self.peer = peer
            self.recheck = recheck
        }

        /// Ends both sides, recording why (a cut after relaying is recorded like a refusal).
        func cut(_ reason: EgressRefusal) {
            if log.connection.refusal == nil { log.connection.refusal = reason }
            agent.close(promise: nil)
            peer.close(promise: nil)
        }
    }

    private let loop: any EventLoop
    private var open: [ObjectIdentifier: Tunnel] = [:]

    init(loop: any EventLoop) { self.loop = loop }

    var count: Int {
        loop.preconditionInEventLoop()
        return open.count
    }

    /// Registers `tunnel` until its agent side closes.
    func add(_ tunnel: Tunnel) {
        loop.preconditionInEventLoop()
        let key = ObjectIdentifier(tunnel)
        open[key] = tunnel
        tunnel.agent.closeFuture.hop(to: loop).assumeIsolatedUnsafeUnchecked().whenComplete { _ in
            self.open[key] = nil
        }
    }

    /// One pass over the open tunnels (`recheck`: whether to ask the policy again; `recordOpenAfter`: how long a
    /// tunnel is open before it is recorded while open).
    func sweep(idleTimeout: TimeAmount?, recheck: Bool, recordOpenAfter: TimeAmount?, now: NIODeadline = .now()) {
        loop.preconditionInEventLoop()
        for tunnel in Array(open.values) {
            if let recordOpenAfter, !tunnel.recordedOpen, now - tunnel.log.connection.started >= recordOpenAfter {
                tunnel.recordedOpen = true
                tunnel.log.recordOpen()
            }
            if let idleTimeout, now - tunnel.lastActivity > idleTimeout {
                tunnel.cut(.idle("no byte either way for \(idleTimeout.nanoseconds / 1_000_000_000) s"))
                continue
            }
            guard recheck else { continue }
            if case .deny(let missing) = tunnel.recheck() { tunnel.cut(.revoked(missing: missing)) }
        }
    }
}
