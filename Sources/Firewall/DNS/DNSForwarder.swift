import CNftables
import NIOCore
import NIOPosix
import Policy
import Synchronization

/// The DNS forwarder the firewall forces every query through (UDP and TCP on the policy's `dns.listen`, port 53).
/// A query for a name no grant covers is answered REFUSED (no tunnelling data out through other names); an
/// allowed one goes to the configured servers from a marked socket (only marked packets may leave on port 53),
/// and the addresses of a valid answer are put into the allow sets **before** the answer is passed on, so the
/// client's first connection already finds them.
///
/// Asynchronous, on one SwiftNIO event loop that entered the firewall's namespace: a server that never answers
/// holds a socket and a timer, not a worker. Each query has a whole deadline (SERVFAIL when it passes); each client
/// address may have a bounded number of queries open and TCP connections; the queries open upstream are bounded in
/// all. A client that stalls its own queries cannot starve anyone else's.
public final class DNSForwarder: Sendable {
    public struct Configuration: Sendable {
        public var listen: IPAddress
        public var port: UInt16 = 53
        public var servers: [IPAddress]
        public var serverPort: UInt16 = 53
        public var mark: UInt32
        /// How long to wait for one server before trying the next.
        public var timeout: Duration = .seconds(2)
        /// The whole query, as the client sees it: from its arrival (a TCP query: its first byte) to the answer.
        public var queryDeadline: Duration = .seconds(5)
        /// Queries one client address may have open at once; past it, SERVFAIL at once.
        public var queriesPerClient = 16
        /// Queries open upstream at once, all clients together.
        public var upstreamQueries = 1_024
        /// TCP connections from one client address, and in all.
        public var connectionsPerClient = 8
        public var connections = 256
        /// A TCP connection with no query arriving or open is closed after this long.
        public var idleTimeout: Duration = .seconds(10)

        public init(listen: IPAddress, servers: [IPAddress], mark: UInt32) {
            self.listen = listen
            self.servers = servers
            self.mark = mark
        }

        public init(_ settings: FirewallPolicy.DNSSettings) {
            self.init(listen: settings.listen, servers: settings.servers, mark: settings.upstreamMark)
        }
    }

    /// Counters since start.
    public struct Statistics: Sendable, Equatable {
        public var forwarded = 0
        public var refused = 0
        public var malformed = 0
        public var failed = 0
        public var learnt = 0
        /// Queries and connections turned away by a per-client or total limit.
        public var limited = 0
        /// Queries answered SERVFAIL because their deadline passed.
        public var timedOut = 0
    }

    public let configuration: Configuration
    let allowSets: AllowSets
    let counters = DNSCounters()
    private let thread: NamespaceThread
    private let running = Mutex<Running?>(nil)

    private struct Running: Sendable {
        let group: MultiThreadedEventLoopGroup
        let channels: [any Channel]
    }

    public init(configuration: Configuration, allowSets: AllowSets, thread: NamespaceThread) {
        self.configuration = configuration
        self.allowSets = allowSets
        self.thread = thread
    }

    deinit { stop() }

    public var statistics: Statistics { counters.snapshot }

    /// Binds UDP and TCP in the namespace and starts serving; throws if the address is taken or no servers are
    /// configured.
    public func start() throws(FirewallError) {
        guard !configuration.servers.isEmpty else {
            throw .invalidInput("no DNS servers: set firewall.dns.servers in the policy")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            let channels = try loop.flatSubmit { [self] in bind(on: loop) }.wait()
            running.withLock { $0 = Running(group: group, channels: channels) }
        } catch let error as FirewallError {
            try? group.syncShutdownGracefully()
            throw error
        } catch {
            try? group.syncShutdownGracefully()
            throw .unavailable("cannot listen on \(configuration.listen) port \(configuration.port): \(error)")
        }
    }

    /// Stops serving and closes the sockets.
    public func stop() {
        guard
            let current = running.withLock({ state -> Running? in
                defer { state = nil }; return state
            })
        else {
            return
        }
        for channel in current.channels { try? channel.close().wait() }
        try? current.group.syncShutdownGracefully()
    }

    /// On the loop: enters the namespace (sockets belong to the namespace of the thread that makes them, and this
    /// loop makes every socket of the forwarder), then binds UDP and TCP.
    private func bind(on loop: any EventLoop) -> EventLoopFuture<[any Channel]> {
        if thread.namespace != .current, aios_netns_enter(thread.namespacePath) != 0 {
            return loop.makeFailedFuture(FirewallError.unavailable("cannot enter \(thread.namespace)"))
        }
        let service = DNSService(
            configuration: configuration, resolution: DNSResolution(allowSets: allowSets, counters: counters),
            loop: loop)
        let address: NIOCore.SocketAddress
        do {
            address = try .init(ipAddress: configuration.listen.description, port: Int(configuration.port))
        } catch {
            return loop.makeFailedFuture(error)
        }
        let udp = DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DNSMessage.maximumSize))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSDatagramServer(service: service))
                }
            }
            .bind(to: address)
        let tcp = ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSStreamServer(service: service))
                }
            }
            .bind(to: address)
        return udp.and(tcp).map { [$0, $1] }
    }
}
