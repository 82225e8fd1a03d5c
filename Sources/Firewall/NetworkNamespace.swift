/// Where the firewall's kernel work happens. libnftables and sockets act in the network namespace of the calling
/// thread, so everything outside `.current` runs on a thread that entered the namespace and never leaves it
/// (Swift concurrency would move a task between threads; a dedicated thread cannot be moved).
public enum NetworkNamespace: Sendable, Hashable, CustomStringConvertible {
    /// The process's own namespace: the host's, in production.
    case current
    /// A namespace made by `ip netns add NAME` (`/run/netns/NAME`).
    case named(String)
    /// A new, empty namespace owned by one thread; it vanishes with the thread (benchmarks).
    case fresh
    /// The namespace of a process: `/proc/PID/ns/net` (an agent's, to place its egress listener in).
    case process(Int32)

    public var description: String {
        switch self {
        case .current: return "the current network namespace"
        case .named(let name): return "network namespace '\(name)'"
        case .fresh: return "a fresh network namespace"
        case .process(let pid): return "the network namespace of process \(pid)"
        }
    }
}
