/// Gives each confined agent its way out: a proxy listening on `127.0.0.1:port` inside the agent's own network
/// namespace (which has nothing else), which decides each connection by the agent's `net:connect` capabilities.
public protocol AgentEgressProvider: Sendable {
    /// The port the agent finds the proxy on (the same in every agent's namespace).
    var port: UInt16 { get }
    /// Places the agent's listener in the network namespace of `pid`, before the agent runs anything, and serves
    /// the `ports` its `net:listen:` capabilities name from outside its namespace.
    func open(agent: String, pid: Int32, serving ports: [UInt16]) throws
    /// The agent stopped for good, or its start failed.
    func close(agent: String)
}
