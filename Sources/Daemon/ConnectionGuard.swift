import Audit
import GRPCNIOTransportHTTP2
import Glibc
import NIOCore
import NIOSSL
import NIOTLS

/// Connection caps and deadlines, installed through the transport's channel hooks
/// (`ChannelDebuggingCallbacks`): the transport itself has an idle timeout and keepalive (configured in
/// `DaemonServer`), but no handshake timeout and no caps.
///
/// - On the listening channel, `AdmissionHandler` sees each accepted connection before the transport sets up TLS
///   for it, and closes it at once when its source or the daemon is at its cap.
/// - On each connection, `DeadlineHandler` (just behind the TLS handler, where it sees the handshake complete)
///   closes it when the handshake has not completed in time, or when nothing at all arrived for `silenceTimeout`.
struct ConnectionGuard: Sendable {
    let counts: ConnectionCounts
    let recorder: RefusalRecorder
    /// Told of each failed TLS handshake as an authentication failure (gRPC's peer text, why), like the interceptor.
    let refused: (@Sendable (_ peer: String, _ reason: String) -> Void)?

    /// Sets the transport's own idle timeout and keepalive, and installs the caps and deadlines through its hooks.
    func configure(_ config: inout HTTP2ServerTransport.Posix.Config) {
        let limits = counts.limits
        config.connection.maxIdleTime = limits.idleTimeout
        config.connection.keepalive.time = limits.keepaliveTime
        config.connection.keepalive.timeout = limits.keepaliveTimeout
        config.channelDebuggingCallbacks.onBindTCPListener = { installAdmission(on: $0) }
        config.channelDebuggingCallbacks.onAcceptTCPConnection = { installDeadlines(on: $0) }
    }

    /// The listen queue: NIO's default of 128 overflows under a connection flood, and then a legitimate client's
    /// SYN is dropped and retried a second later. (This runs before the bind, so the option still applies.)
    static let backlog: Int32 = 1024

    func installAdmission(on listener: any Channel) -> EventLoopFuture<Void> {
        listener.eventLoop.makeCompletedFuture {
            try listener.syncOptions?.setOption(.backlog, value: Self.backlog)
            try listener.pipeline.syncOperations.addHandler(AdmissionHandler(guard: self))
        }
    }

    func installDeadlines(on connection: any Channel) -> EventLoopFuture<Void> {
        connection.eventLoop.makeCompletedFuture {
            let operations = connection.pipeline.syncOperations
            let deadlines = DeadlineHandler(guard: self)
            if let tls = try? operations.handler(type: NIOSSLServerHandler.self) {
                try operations.addHandler(deadlines, position: .after(tls))
            } else {
                deadlines.handshaken = true
                try operations.addHandler(deadlines, position: .first)
            }
        }
    }

    /// Counts a refusal of an unauthenticated peer; the first of its window is recorded (off the event loop).
    func refuse(_ kind: RefusalTally.Kind, source: String, reason: String, action: String) {
        let key = RefusalTally.Key(kind: kind, source: source, reason: reason)
        let recorder = self.recorder
        guard recorder.tally.count(key, at: recorder.core.clock.now()) else { return }
        let draft = AuditDraft(
            eventType: kind == .authentication ? .authentication : .networkConnection, agent: "unauthenticated",
            action: action, target: source, result: .denied, riskLevel: .high,
            details: .object([
                ("reason", .string(reason)),
                (
                    "aggregation",
                    .string(
                        "the first refusal of this source and reason in \(recorder.tally.window); the rest of the "
                            + "window is counted in one summary entry")
                ),
            ]))
        Task { await recorder.core.recordOrReport(draft) }
    }
}

/// The source a peer is counted under: an IPv4 address, an IPv6 /64, or nil for a Unix-socket peer; and how the
/// ledger names it (`ipv4:198.51.100.7`, `ipv6:2001:db8:0:1::/64`). A /64 is one source because whoever holds one
/// address of it usually holds them all: counting per address would let one host rotate through keys.
public struct PeerSource {
    let key: String?
    public let name: String
    /// gRPC's peer text (with the port), as the IDS reads it.
    let peer: String

    public init(_ address: NIOCore.SocketAddress?) {
        switch address {
        case .v4(let v4)?:
            let host = address?.ipAddress ?? v4.host
            key = "ipv4:" + host
            name = "ipv4:" + host
            peer = "ipv4:\(host):\(address?.port ?? 0)"
        case .v6(let v6)? where Self.isIPv4Mapped(v6.address.sin6_addr):
            // An IPv4 peer of a dual-stack socket (`::ffff:a.b.c.d`) is that IPv4 address, not a /64 shared by all.
            let host = String((address?.ipAddress ?? "").dropFirst("::ffff:".count))
            key = "ipv4:" + host
            name = "ipv4:" + host
            peer = "ipv4:\(host):\(address?.port ?? 0)"
        case .v6(let v6)?:
            let prefix = withUnsafeBytes(of: v6.address.sin6_addr) { bytes in
                stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                    .joined(separator: ":")
            }
            key = "ipv6:\(prefix)::/64"
            name = "ipv6:\(prefix)::/64"
            peer = "ipv6:[\(address?.ipAddress ?? "")]:\(address?.port ?? 0)"
        default:
            key = nil
            name = "unix"
            peer = "unix"
        }
    }
}

extension PeerSource {
    static func isIPv4Mapped(_ address: in6_addr) -> Bool {
        withUnsafeBytes(of: address) { bytes in
            bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        }
    }
}

/// On the listening channel: counts each accepted connection, or closes it before TLS when over a cap.
final class AdmissionHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    let connectionGuard: ConnectionGuard

    init(guard connectionGuard: ConnectionGuard) { self.connectionGuard = connectionGuard }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let accepted = Self.unwrapInboundIn(data)
        let source = PeerSource(accepted.remoteAddress)
        let counts = connectionGuard.counts
        if let refusal = counts.admit(source: source.key) {
            accepted.close(promise: nil)
            connectionGuard.refuse(.connection, source: source.name, reason: refusal.rawValue, action: "connect")
            return
        }
        let key = source.key
        accepted.closeFuture.whenComplete { _ in counts.release(source: key) }
        context.fireChannelRead(data)
    }
}

/// On each connection, behind the TLS handler: the handshake deadline, and the silence backstop after it.
final class DeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let connectionGuard: ConnectionGuard
    var handshaken = false
    private var lastRead = NIODeadline.now()
    private var timer: Scheduled<Void>?

    init(guard connectionGuard: ConnectionGuard) { self.connectionGuard = connectionGuard }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent, !handshaken {
            handshaken = true
            lastRead = .now()
            timer?.cancel()
            timer = nil
            arm(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshaken, case .handshakeFailed? = error as? NIOSSLError {
            let source = PeerSource(context.channel.remoteAddress)
            connectionGuard.refused?(source.peer, "TLS handshake failed")
            connectionGuard.refuse(
                .authentication, source: source.name, reason: "TLS handshake failed", action: "tls.handshake")
        }
        context.fireErrorCaught(error)
    }

    /// Before the handshake: close at the handshake deadline. After: close when nothing arrived for the silence
    /// timeout (checked when it could first have passed, and again from the last read).
    private func arm(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let limits = connectionGuard.counts.limits
        let deadline =
            handshaken ? lastRead + TimeAmount(limits.silenceTimeout) : .now() + TimeAmount(limits.handshakeTimeout)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            if handshaken && NIODeadline.now() < lastRead + TimeAmount(limits.silenceTimeout) {
                arm(context: context)
                return
            }
            let source = PeerSource(context.channel.remoteAddress)
            connectionGuard.refuse(
                .connection, source: source.name, reason: handshaken ? "silent" : "handshake timeout",
                action: "connection.close")
            context.close(promise: nil)
        }
    }
}
