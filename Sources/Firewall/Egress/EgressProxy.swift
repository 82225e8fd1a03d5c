import CNftables
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

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
/// checks that a TLS ClientHello names the same host, relays the
/// bytes untouched, and records every connection, refused or not (`record`).
///
/// Its one event loop thread lives in the outbound namespace (the daemon's own, or a test's): the sockets to the
/// destinations are made there, while the accepted ones belong to the agents' namespaces.
public final class EgressProxy: Sendable {
    public struct Configuration: Sendable {
        /// How long a destination has to accept the connection.
        public var connectTimeout: TimeAmount = .seconds(10)
        /// How long the agent has, after connecting, to send its whole `CONNECT` request.
        public var requestTimeout: TimeAmount = .seconds(10)
        /// Each agent's bounds: connections open at once and new connections a minute.
        public var limits = EgressLimiter.Limits()

        public init() {}
    }

    public typealias Authorize = @Sendable (_ agent: String, _ destination: EgressDestination) -> EgressDecision
    /// Turns a name into addresses (blocking; called off the event loop).
    public typealias Resolve = @Sendable (_ host: String, _ port: Int) throws -> [SocketAddress]
    public typealias Record = @Sendable (EgressConnection) -> Void

    let configuration: Configuration
    let authorize: Authorize
    let resolve: Resolve
    let record: Record
    let group: MultiThreadedEventLoopGroup
    let limiter: EgressLimiter

    /// `outbound`: the namespace whose routes the destinations are reached by (nil: this process's own).
    public init(
        configuration: Configuration = .init(), outbound: NamespaceThread? = nil, authorize: @escaping Authorize,
        resolve: @escaping Resolve = EgressProxy.systemResolve, record: @escaping Record
    ) throws(FirewallError) {
        self.configuration = configuration
        self.authorize = authorize
        self.resolve = resolve
        self.record = record
        limiter = EgressLimiter(limits: configuration.limits)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        if let outbound, outbound.namespace != .current {
            let path = outbound.namespacePath
            let entered = try? group.next().submit { aios_netns_enter(path) }.wait()
            guard entered == 0 else {
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

    public func shutdown() { try? group.syncShutdownGracefully() }

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
                    try channel.pipeline.syncOperations.addHandlers([
                        decoder, encoder,
                        EgressConnectHandler(proxy: self, agent: agent, decoder: decoder, encoder: encoder),
                    ])
                }
            }
    }

    /// A TCP socket listening on `127.0.0.1:port` inside `namespace` (an agent's): made on the namespace's thread,
    /// so it belongs to that namespace wherever it is used from.
    public static func listeningSocket(in namespace: NamespaceThread, port: UInt16) throws(FirewallError) -> CInt {
        let result: Int32 = namespace.run {
            // A new namespace starts with its loopback down: nothing could connect to the listener.
            let up = aios_loopback_up()
            guard up == 0 else { return up }
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { return -errno }
            var one: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, listen(descriptor, 128) == 0 else {
                let code = errno
                close(descriptor)
                return -code
            }
            return descriptor
        }
        guard result >= 0 else {
            throw .unavailable(
                "cannot listen on 127.0.0.1:\(port) in \(namespace): \(String(cString: strerror(-result)))")
        }
        return result
    }

    /// The system resolver (`getaddrinfo`): every TCP address of `host`.
    public static func systemResolve(_ host: String, _ port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let first = list else {
            throw EgressRefusal.noUsableAddress("\(host) does not resolve (\(String(cString: gai_strerror(code))))")
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            if let address = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        addresses.append(SocketAddress($0.pointee, host: host))
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        addresses.append(SocketAddress($0.pointee, host: host))
                    }
                default: break
                }
            }
            next = entry.pointee.ai_next
        }
        return addresses
    }

    /// Whether the proxy may connect to `address`: never to loopback, unspecified, link-local (a cloud's metadata
    /// service), multicast or broadcast addresses, whatever a name resolves to.
    public static func isUsable(_ address: SocketAddress) -> Bool {
        guard let bytes = address.rawAddressBytes else { return false }
        if bytes.count == 4 { return isUsableV4(bytes) }
        guard bytes.count == 16 else { return false }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return isUsableV4(Array(bytes[12...]))  // v4-mapped
        }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
        if bytes[0] == 0xFF { return false }  // multicast
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return false }  // fe80::/10
        return true
    }

    private static func isUsableV4(_ bytes: [UInt8]) -> Bool {
        switch bytes[0] {
        case 0, 127: return false
        case 169 where bytes[1] == 254: return false
        case 224...255: return false
        default: return true
        }
    }
}

extension SocketAddress {
    /// The address's bytes in network order (nil for a Unix socket).
    var rawAddressBytes: [UInt8]? {
        switch self {
        case .v4(let address):
            return withUnsafeBytes(of: address.address.sin_addr.s_addr) { Array($0) }
        case .v6(let address):
            return withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }
}
