import NIOCore

/// The forwarder's limits, kept on its one event loop (so no lock): queries open per client address and in all,
/// TCP connections per client address and in all. One client's slow or stalled queries can take only its own share;
/// everyone else's are still admitted.
final class DNSLimits: @unchecked Sendable {
    // @unchecked: touched only on `loop` (every method checks), never from another thread.
    private let loop: any EventLoop
    private let perClient: Int
    private let total: Int
    private let connectionsPerClient: Int
    private let connections: Int
    private var openQueries: [String: Int] = [:]
    private var openQueryTotal = 0
    private var openConnections: [String: Int] = [:]
    private var openConnectionTotal = 0

    init(loop: any EventLoop, configuration: DNSForwarder.Configuration) {
        self.loop = loop
        perClient = configuration.queriesPerClient
        total = configuration.upstreamQueries
        connectionsPerClient = configuration.connectionsPerClient
        connections = configuration.connections
    }

    /// Whom a limit counts: the client's address — except on loopback, where every local process has the same
    /// address and the socket (address and port) is all that tells them apart. Local processes are therefore held
    /// only by the totals (docs/firewall.md).
    static func key(for client: NIOCore.SocketAddress?) -> String {
        guard let client, let address = client.ipAddress else { return "unknown" }
        let isLoopback = address.hasPrefix("127.") || address == "::1"
        return isLoopback ? "\(address) port \(client.port ?? 0)" : address
    }

    /// Admits one query of `client` (its address), or refuses it when the client or everyone is at the limit.
    func admitQuery(_ client: String) -> Bool {
        loop.preconditionInEventLoop()
        guard openQueryTotal < total, openQueries[client, default: 0] < perClient else { return false }
        openQueries[client, default: 0] += 1
        openQueryTotal += 1
        return true
    }

    func finishQuery(_ client: String) {
        loop.preconditionInEventLoop()
        openQueryTotal -= 1
        let left = openQueries[client, default: 1] - 1
        openQueries[client] = left > 0 ? left : nil
    }

    func admitConnection(_ client: String) -> Bool {
        loop.preconditionInEventLoop()
        guard openConnectionTotal < connections, openConnections[client, default: 0] < connectionsPerClient else {
            return false
        }
        openConnections[client, default: 0] += 1
        openConnectionTotal += 1
        return true
    }

    func finishConnection(_ client: String) {
        loop.preconditionInEventLoop()
        openConnectionTotal -= 1
        let left = openConnections[client, default: 1] - 1
        openConnections[client] = left > 0 ? left : nil
    }
}
