import ArgumentParser
import Daemon

/// `serve`'s connection caps and deadlines (see the Daemon documentation, "Bounded everything").
struct ConnectionLimitOptions: ParsableArguments {
    @Option(help: "Connections open at once, in total (lowered to fit the descriptor limit).")
    var maxConnections = ConnectionLimits().total
    @Option(help: "Connections open at once from one source (an IPv4 address, an IPv6 /64).")
    var maxConnectionsPerSource = ConnectionLimits().perSource
    @Option(help: "Seconds a new connection has to complete its TLS handshake.")
    var handshakeTimeout = 10
    @Option(help: "Seconds a connection with no open call is kept.")
    var idleTimeout = 120

    func validate() throws {
        guard maxConnections > 0, maxConnectionsPerSource > 0, handshakeTimeout > 0, idleTimeout > 0 else {
            throw ValidationError("connection limits and timeouts must be positive")
        }
    }

    var limits: ConnectionLimits {
        ConnectionLimits(
            total: maxConnections, perSource: maxConnectionsPerSource, handshakeTimeout: .seconds(handshakeTimeout),
            idleTimeout: .seconds(idleTimeout))
    }
}
