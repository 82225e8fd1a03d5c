import CNftables
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Policy

/// What the policy says of one destination for one agent.
public enum EgressDecision: Sendable, Equatable {
    /// Allowed by this capability (recorded with the connection).
    case allow(capability: String)
    /// Refused; the capability that would have allowed it (recorded, and told to the agent).
    case deny(missing: String)
}

/// The agents' way out: an HTTP `CONNECT` proxy whose listening socket sits inside an agent's own network namespace
/// (which has nothing but loopback), so the agent reaches it at `127.0.0.1:PORT` with the standard proxy variables
/// and no other path exists. For each `CONNECT host:port` it asks the policy (`authorize`), resolves the name itself
/// (the agent has no resolver), never connects to loopback, link-local, multicast or unspecified addresses nor to
/// the addresses of the outbound namespace's own interfaces (the daemon's own services, a cloud metadata endpoint),
/// checks that a TLS ClientHello names the same host, relays the bytes untouched, and records every connection,
/// refused or not (`record`). Open tunnels are watched (``EgressTunnels``): idle ones closed, ones the policy no
/// longer allows cut; a tunnel past the upload alert's size is reported to `largeUpload` while it is still open.
///
/// Its one event loop thread lives in the outbound namespace (the daemon's own, or a test's): the sockets to the
/// destinations are made there, while the accepted ones belong to the agents' namespaces.
public final class EgressProxy: Sendable {
    public struct Configuration: Sendable {
        /// How long a destination has to accept the connection.
        public var connectTimeout: TimeAmount = .seconds(10)
        /// How long the agent has, after connecting, to send its whole `CONNECT` request.
        public var requestTimeout: TimeAmount = .seconds(10)
        /// The bounds: per agent connections open at once, new connections a minute and bytes sent an hour; and
        /// connections open over all agents.
        public var limits = EgressLimiter.Limits()
        /// An open tunnel with no byte either way for this long is closed (nil: never).
        public var idleTimeout: TimeAmount? = .minutes(15)
        /// Whether an open tunnel is cut when the policy no longer allows its destination.
        public var closeOnRevoke = true
        /// A tunnel that has sent this many bytes is reported to `largeUpload`, once (nil: never).
        public var uploadAlert: Int64? = 64 << 20
        /// How often open tunnels are checked for idleness and revocation.
        public var sweepInterval: TimeAmount = .seconds(1)
        /// A tunnel still open this long is also recorded while open (once, with its bytes so far): connections
        /// are otherwise recorded when they end, and a daemon that died with a tunnel open would leave none of it.
        public var recordOpenAfter: TimeAmount? = .seconds(60)

        public init() {}

        /// The policy's `egress:` settings.
        public init(_ policy: EgressPolicy) {
            limits = EgressLimiter.Limits(
                openConnections: policy.openPerAgent, connectionsPerMinute: policy.newPerMinute,
                openTotal: policy.openTotal, uploadPerHour: policy.uploadPerHour.map { Int64(clamping: $0.bytes) })
            idleTimeout = policy.idleTimeout.map { .milliseconds($0.milliseconds) }
            closeOnRevoke = policy.onRevoke == .close
            uploadAlert = policy.alertUpload.map { Int64(clamping: $0.bytes) }
        }
    }

    public typealias Authorize = @Sendable (_ agent: String, _ destination: EgressDestination) -> EgressDecision
    /// Turns a name into addresses, without blocking `loop` (see ``EgressResolver``).
    public typealias Resolve = @Sendable (_ host: String, _ loop: any EventLoop) -> EventLoopFuture<[IPAddress]>
    public typealias Record = @Sendable (EgressConnection) -> Void

    let configuration: Configuration
    let authorize: Authorize
    let resolve: Resolve
    let record: Record
    let largeUpload: Record?
    let group: MultiThreadedEventLoopGroup
    let limiter: EgressLimiter
    let tunnels: EgressTunnels
    /// The namespace destinations are reached from (nil: this process's own).
    let outbound: NamespaceThread?
    private let sweeper: RepeatedTask

    /// `outbound`: the namespace whose routes the destinations are reached by (nil: this process's own).
    public init(
        configuration: Configuration = .init(), outbound: NamespaceThread? = nil, authorize: @escaping Authorize,
        resolve: @escaping Resolve = EgressResolver.system, record: @escaping Record, largeUpload: Record? = nil
    ) throws(FirewallError) {
        self.configuration = configuration
        self.authorize = authorize
        self.resolve = resolve
        self.record = record
        self.largeUpload = largeUpload
        self.outbound = outbound
        limiter = EgressLimiter(limits: configuration.limits)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let tunnels = EgressTunnels(loop: loop)
        self.tunnels = tunnels
        let (idle, recheck, recordOpen) = (
            configuration.idleTimeout, configuration.closeOnRevoke, configuration.recordOpenAfter
        )
        sweeper = loop.scheduleRepeatedTask(
            initialDelay: configuration.sweepInterval, delay: configuration.sweepInterval
        ) { _ in tunnels.sweep(idleTimeout: idle, recheck: recheck, recordOpenAfter: recordOpen) }
        if let outbound, outbound.namespace != .current {
            let path = outbound.namespacePath
            let entered = try? group.next().submit { aios_netns_enter(path) }.wait()
            guard entered == 0 else {
                sweeper.cancel()
                try? group.syncShutdownGracefully()
                throw .unavailable("the egress proxy cannot enter \(outbound.namespace)")
            }
        }
    }

    /// Serves `agent` on a listening TCP socket (made by ``listeningSocket(in:port:)``); the proxy owns it from now.
    public func serve(listeningSocket descriptor: CInt, agent: String) async throws -> any Channel {
        try await bootstrap(agent: agent).withBoundSocket(descriptor).get()
    }

    /// Serves `agent` on `host:port` in the outbound namespace (benchmarks and tests of the proxy alone).
    public func serve(host: String, port: Int, agent: String) async throws -> any Channel {
        try await bootstrap(agent: agent).bind(host: host, port: port).get()
    }

    public func shutdown() {
        sweeper.cancel()
        try? group.syncShutdownGracefully()
    }

    /// Reads of up to 1 MiB (starting at 64 KiB and adapting): a relay pays per read and write, not per byte, so
    /// large reads are what keeps it near a direct connection's throughput.
    static let relayReads = AdaptiveRecvByteBufferAllocator(minimum: 16 << 10, initial: 64 << 10, maximum: 1 << 20)

    func bootstrap(agent: String) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.recvAllocator, value: Self.relayReads)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
                    let encoder = HTTPResponseEncoder()
                    let earlyEnd = EgressEarlyEnd()
                    try channel.pipeline.syncOperations.addHandlers([
                        earlyEnd, decoder, encoder,
                        EgressConnectHandler(
                            proxy: self, agent: agent, earlyEnd: earlyEnd, decoder: decoder, encoder: encoder),
                    ])
                }
            }
    }

    /// The relays of an open tunnel, registered for the sweep: each read counted into the record, the agent's sent
    /// bytes into its hourly bound (over it, the tunnel is cut) and checked against the upload alert.
    func relayPair(for tunnel: EgressTunnels.Tunnel) -> (agentSide: EgressRelay, peerSide: EgressRelay) {
        let log = tunnel.log
        let (limiter, alert, largeUpload) = (limiter, configuration.uploadAlert, largeUpload)
        tunnels.add(tunnel)
        return EgressRelay.pair(
            agentRead: { bytes in
                let before = log.connection.bytesOut
                log.connection.bytesOut += Int64(bytes)
                tunnel.lastActivity = .now()
                if let alert, before < alert, log.connection.bytesOut >= alert { largeUpload?(log.connection) }
                if let refusal = limiter.sent(bytes, by: log.connection.agent) { tunnel.cut(refusal) }
            },
            destinationRead: { bytes in
                log.connection.bytesIn += Int64(bytes)
                tunnel.lastActivity = .now()
            })
    }

    /// A TCP socket listening on `127.0.0.1:port` inside `namespace` (an agent's): made on the namespace's thread,
    /// so it belongs to that namespace wherever it is used from.
    public static func listeningSocket(in namespace: NamespaceThread, port: UInt16) throws(FirewallError) -> CInt {
        let result: Int32 = namespace.run {
            // A new namespace starts with its loopback down: nothing could connect to the listener.
            let up = aios_loopback_up()
            guard up == 0 else { return up }
            return listen(on: 0x7F00_0001, port: port)
        }
        guard result >= 0 else {
            throw .unavailable(
                "cannot listen on 127.0.0.1:\(port) in \(namespace): \(String(cString: strerror(-result)))")
        }
        return result
    }

    /// A TCP socket listening on the IPv4 `address` (host order) and `port` in the calling thread's namespace, or
    /// -errno.
    static func listen(on address: UInt32, port: UInt16) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return -errno }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = address.bigEndian
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(descriptor, 128) == 0 else {
            let code = errno
            close(descriptor)
            return -code
        }
        return descriptor
    }

    /// Runs `body` in the outbound namespace (on its thread; here when that is this process's own).
    func inOutbound<T>(_ body: () -> T) -> T {
        outbound.map { $0.run(body) } ?? body()
    }

    /// Whether the proxy may connect to `address`: never to loopback, unspecified, link-local (a cloud's metadata
    /// service), multicast or broadcast addresses, whatever a name resolves to.
    public static func isUsable(_ address: IPAddress) -> Bool {
        if let ipv4 = address.ipv4 {
            switch ipv4 >> 24 {
            case 0, 127, 224...255: return false
            case 169 where ipv4 >> 16 & 0xFF == 254: return false
            default: return true
            }
        }
        if address.high == 0 && address.low <= 1 { return false }  // :: and ::1
        if address.high >> 56 == 0xFF { return false }  // multicast
        if address.high >> 54 == 0xFE80 >> 6 { return false }  // fe80::/10
        return true
    }
}
