import Foundation
import NIOCore
import NIOPosix
import Policy
import Synchronization

/// Inbound connections to agents that serve (`net:listen:PORT`). An agent's namespace has only loopback, so what it
/// listens on there is out of everyone's reach; for each port its capabilities name, the daemon listens on that
/// port in the outbound namespace (the host's), and for each connection asks the policy again (`net:listen:PORT`
/// for that agent at that moment: a revoke or expiry refuses the next one and, like the proxy's tunnels, cuts open
/// ones), connects to `127.0.0.1:PORT` inside the agent's namespace and relays, recording the connection with the
/// remote address. `publish` opens each port in the host firewall while it is served (nil: no firewall).
public final class AgentIngress: Sendable {
    public typealias Authorize = @Sendable (_ agent: String, _ port: UInt16) -> EgressDecision
    /// Opens `port` for `agent` in the firewall; returns what closes it again.
    public typealias Publish = @Sendable (_ agent: String, _ port: UInt16) throws -> @Sendable () -> Void

    let proxy: EgressProxy
    /// IPv4, host order.
    let address: UInt32
    let authorize: Authorize
    let publish: Publish?
    /// Inbound connections' own bounds (open, per minute): anyone outside can connect to a served port, and must
    /// not use up the agent's bounds for its outbound connections. (Bytes the agent sends back count against its
    /// one hourly upload bound, in the proxy's limiter.)
    let limiter: EgressLimiter
    private let served = Mutex<[String: Served]>([:])

    private struct Served: Sendable {
        let channels: [any Channel]
        let unpublish: [@Sendable () -> Void]
    }

    /// `address`: the IPv4 address the ports are served on in the outbound namespace (host order; all of its
    /// addresses by default).
    public init(proxy: EgressProxy, address: UInt32 = 0, authorize: @escaping Authorize, publish: Publish?) {
        self.proxy = proxy
        self.address = address
        self.authorize = authorize
        self.publish = publish
        limiter = EgressLimiter(limits: proxy.configuration.limits)
    }

    /// Serves `ports` for `agent`, whose process `pid` is in the namespace to connect into. All or none: a port
    /// that cannot be served (in use, or the firewall refused) undoes the others and throws.
    public func open(agent: String, pid: Int32, ports: [UInt16]) throws {
        close(agent: agent)
        guard !ports.isEmpty else { return }
        let inside = try NamespaceThread(.process(pid))
        var channels: [any Channel] = []
        var unpublish: [@Sendable () -> Void] = []
        do {
            for port in ports.sorted() {
                // Made on the outbound namespace's thread: the socket belongs to the namespace it was made in.
                let address = address
                let descriptor = proxy.inOutbound { EgressProxy.listen(on: address, port: port) }
                guard descriptor >= 0 else {
                    throw FirewallError.unavailable("port \(port): \(String(cString: strerror(-descriptor)))")
                }
                let bootstrap = bootstrap(agent: agent, port: port, inside: inside)
                channels.append(try bootstrap.withBoundSocket(descriptor).wait())
                if let publish { unpublish.append(try publish(agent, port)) }
            }
        } catch {
            channels.forEach { $0.close(promise: nil) }
            unpublish.forEach { $0() }
            throw FirewallError.unavailable("cannot serve \(agent)'s net:listen ports \(ports): \(error)")
        }
        served.withLock { $0[agent] = Served(channels: channels, unpublish: unpublish) }
    }

    /// Stops serving `agent`'s ports (it stopped for good, or its start failed); open connections end with it.
    public func close(agent: String) {
        guard let gone = served.withLock({ $0.removeValue(forKey: agent) }) else { return }
        gone.channels.forEach { $0.close(promise: nil) }
        gone.unpublish.forEach { $0() }
    }

    /// The ports served for `agent` now.
    public func ports(of agent: String) -> [UInt16] {
        served.withLock { $0[agent]?.channels.compactMap { $0.localAddress?.port.map(UInt16.init) } ?? [] }
    }

    private func bootstrap(agent: String, port: UInt16, inside: NamespaceThread) -> ServerBootstrap {
        ServerBootstrap(group: proxy.group)
            .serverChannelOption(.backlog, value: 128)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.recvAllocator, value: EgressProxy.relayReads)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        IngressHandler(ingress: self, agent: agent, port: port, inside: inside))
                }
            }
    }
}

/// One inbound connection: bounds, the policy, a connection into the agent's namespace, then the relays.
final class IngressHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let ingress: AgentIngress
    private let port: UInt16
    private let inside: NamespaceThread
    private let log: ConnectionLog

    init(ingress: AgentIngress, agent: String, port: UInt16, inside: NamespaceThread) {
        self.ingress = ingress
        self.port = port
        self.inside = inside
        var connection = EgressConnection(agent: agent)
        connection.destination = try? EgressDestination(authority: "127.0.0.1:\(port)")
        log = ConnectionLog(connection, record: ingress.proxy.record)
    }

    func channelActive(context: ChannelHandlerContext) {
        let log = log
        log.connection.inboundFrom = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" }
        context.channel.closeFuture.whenComplete { _ in log.finish() }
        let (limiter, agent) = (ingress.limiter, log.connection.agent)
        if let refusal = limiter.acquire(agent) {
            end(refusal, context)
            return
        }
        log.onFinish = { limiter.release(agent) }
        switch ingress.authorize(agent, port) {
        case .deny(let missing):
            end(.notAllowed(missing: missing), context)
        case .allow(let capability):
            log.connection.capability = capability
            connectInside(context)
        }
    }

    /// A TCP connection to the agent's `127.0.0.1:PORT`, made on a thread in the agent's namespace, off the proxy's
    /// event loop: an agent that listens and never accepts (its queue full) costs its own connections a wait, not
    /// everyone's.
    private func connectInside(_ context: ChannelHandlerContext) {
        let (port, inside, loop) = (port, inside, context.eventLoop)
        let connected = loop.makePromise(of: Int32.self)
        DispatchQueue.global().async {
            connected.succeed(inside.run { Self.loopbackConnect(port, waitMilliseconds: Self.connectWait) })
        }
        connected.futureResult.assumeIsolated().whenSuccess { descriptor in
            guard descriptor >= 0 else {
                let why =
                    descriptor == -ETIMEDOUT
                    ? "the agent does not accept on 127.0.0.1:\(port) (its queue is full)"
                    : "nothing listens on 127.0.0.1:\(port) in the agent's namespace"
                self.end(.unreachable(why), context)
                return
            }
            guard context.channel.isActive else {
                close(descriptor)
                return
            }
            self.log.connection.address = "127.0.0.1"
            ClientBootstrap(group: loop)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .channelOption(.recvAllocator, value: EgressProxy.relayReads)
                .withConnectedSocket(descriptor)
                .assumeIsolatedUnsafeUnchecked()
                .whenComplete { result in
                    switch result {
                    case .success(let agentSide): self.glue(agentSide, context)
                    case .failure(let error): self.end(.unreachable("\(error)"), context)
                    }
                }
        }
    }

    /// How long a connection into an agent's namespace may take (a loopback connect is immediate unless the
    /// agent's accept queue is full).
    static let connectWait: Int32 = 1_000

    /// A connected TCP socket to 127.0.0.1:`port` in the calling thread's namespace, or -errno (-ETIMEDOUT after
    /// `waitMilliseconds`).
    private static func loopbackConnect(_ port: UInt16, waitMilliseconds: Int32) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { return -errno }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var failure = connected == 0 ? 0 : errno
        if failure == EINPROGRESS {
            var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            if poll(&waiting, 1, waitMilliseconds) == 1 {
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length)
            } else {
                failure = ETIMEDOUT
            }
        }
        guard failure == 0 else {
            close(descriptor)
            return -failure
        }
        return descriptor
    }

    /// What the remote peer sends is the agent's `bytes_in`; what the agent sends back its `bytes_out` (counted
    /// against its hourly upload bound, like its outbound connections).
    private func glue(_ agentChannel: any Channel, _ context: ChannelHandlerContext) {
        guard context.channel.isActive else {
            agentChannel.close(promise: nil)
            return
        }
        let (authorize, agent, port) = (ingress.authorize, log.connection.agent, port)
        let tunnel = EgressTunnels.Tunnel(log: log, agent: agentChannel, peer: context.channel) {
            authorize(agent, port)
        }
        let (agentSide, remoteSide) = ingress.proxy.relayPair(for: tunnel)
        do {
            try agentChannel.pipeline.syncOperations.addHandler(agentSide)
            try context.pipeline.syncOperations.addHandler(remoteSide)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            context.channel.setOption(.autoRead, value: true).whenComplete { _ in }
        } catch {
            agentChannel.close(promise: nil)
            context.close(promise: nil)
        }
    }

    private func end(_ refusal: EgressRefusal, _ context: ChannelHandlerContext) {
        log.connection.refusal = refusal
        context.close(promise: nil)
    }
}
