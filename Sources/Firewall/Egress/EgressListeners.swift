import Foundation
import NIOCore
import Synchronization

/// One egress listener per running agent: `127.0.0.1:port` inside the agent's own network namespace, served by
/// the proxy for that agent. A new listener for an agent replaces its old one (a restart), and a closed one lets the
/// agent's namespace go (the listening socket would otherwise keep it alive).
public final class EgressListeners: Sendable {
    public let proxy: EgressProxy
    /// The port every agent finds the proxy on, in its own namespace.
    public let port: UInt16
    private let listeners = Mutex<[String: any Channel]>([:])

    /// Serves agents' `net:listen:` ports from outside their namespaces (nil: agents cannot serve).
    public let ingress: AgentIngress?

    public init(proxy: EgressProxy, port: UInt16 = 3128, ingress: AgentIngress? = nil) {
        self.proxy = proxy
        self.port = port
        self.ingress = ingress
    }

    /// Places `agent`'s listener in the network namespace of `pid` (the agent's process, before it runs anything),
    /// and serves its `ports` from outside. Blocking; never call it from the proxy's event loop.
    public func open(agent: String, pid: Int32, serving ports: [UInt16]) throws {
        try open(agent: agent, pid: pid, key: agent)
        do {
            try ingress?.open(agent: agent, pid: pid, ports: ports)
        } catch {
            close(key: agent)
            throw error
        }
    }

    /// Places a listener deciding as `agent` in the network namespace of `pid`, kept under `key` (an agent's name,
    /// or a task's container, whose connections are decided as the agent it runs for).
    public func open(agent: String, pid: Int32, key: String) throws {
        let namespace = try NamespaceThread(.process(pid))
        let descriptor = try EgressProxy.listeningSocket(in: namespace, port: port)
        let channel: any Channel
        do {
            channel = try proxy.bootstrap(agent: agent).withBoundSocket(descriptor).wait()
        } catch {
            // NIO owns the descriptor from the bootstrap on (and closes it with a channel that failed): closing it
            // here too could close a number already reused.
            throw FirewallError.unavailable("the egress listener for \(agent) did not start: \(error)")
        }
        let previous = listeners.withLock { $0.updateValue(channel, forKey: key) }
        previous?.close(promise: nil)
    }

    /// Stops serving `agent` (it stopped for good, or its start failed): its way out and its served ports.
    public func close(agent: String) {
        close(key: agent)
        ingress?.close(agent: agent)
    }

    /// Stops serving the listener kept under `key`.
    public func close(key: String) {
        listeners.withLock { $0.removeValue(forKey: key) }?.close(promise: nil)
    }

    /// The keys (agents, tasks' containers) served now.
    public var agents: [String] { listeners.withLock { Array($0.keys) } }
}
