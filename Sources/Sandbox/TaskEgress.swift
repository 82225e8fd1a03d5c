/// A task's way out when its network is granted: the daemon's egress proxy, whose listener is placed in the
/// container's own network namespace (podman's `--network none`: loopback only) after the container is created and
/// before its command runs, so the task reaches what its agent's `net:connect` capabilities allow and nothing else.
public protocol TaskEgress: Sendable {
    /// The port the task finds the proxy on, at 127.0.0.1 in its namespace.
    var port: UInt16 { get }
    /// Places the listener in the network namespace of `pid` (the container's first process, created, not started).
    func open(container: String, pid: Int32) throws
    /// The task ended, or never started.
    func close(container: String)
}

/// The variables that send every connection of ordinary programs (curl, pip, Python's urllib and requests, Node,
/// Go) to the egress proxy at `127.0.0.1:PORT`: what agents and tasks get.
public enum ProxyEnvironment {
    public static func variables(port: UInt16) -> [(name: String, value: String)] {
        let proxy = "http://127.0.0.1:\(port)"
        return ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"].map { ($0, proxy) }
    }
}
