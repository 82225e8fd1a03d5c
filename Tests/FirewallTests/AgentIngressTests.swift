import Foundation
import NIOCore
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Firewall

/// An agent that serves (`net:listen:8080`): a fake agent listens on 127.0.0.1:8080 inside a namespace with only
/// loopback; the daemon's ingress serves that port on the test's `fw` namespace, and a client in `ext` reaches it
/// through 10.98.0.1:8080 while the policy allows it.
@Suite("Agents that serve: net:listen through the ingress", .serialized, .requiresRoot("network namespaces"))
struct AgentIngressTests {
    final class Allowed: Sendable {
        let listen = Mutex(true)
    }

    final class Records: Sendable {
        let all = Mutex<[EgressConnection]>([])
    }

    /// `python3 -c` a client in `ext`: connects to 10.98.0.1:8080, sends `hi`, prints the answer (or `refused`,
    /// `closed`, also for a reset); with `hold`, then waits for the end (`cut` or `held`).
    static let client = """
        import socket, sys
        try:
            s = socket.create_connection(('10.98.0.1', 8080), timeout=3)
            s.sendall(b'hi\\n')
            reply = s.recv(100).decode().strip()
            print(reply or 'closed', flush=True)
            if len(sys.argv) > 1:
                s.settimeout(float(sys.argv[1]))
                try:
                    while s.recv(100): pass
                    print('cut')
                except socket.timeout:
                    print('held')
        except ConnectionRefusedError:
            print('refused')
        except ConnectionResetError:
            print('closed')
        except OSError as error:
            print('error', error)
        """

    @Test func aServedPortIsReachableFromOutsideWhileThePolicyAllowsIt() throws {
        let network = try TestNetwork()
        defer { network.close() }
        let agent = try FakeAgentNamespace(
            network, suffix: "srv", ["python3", "-u", "-c", EgressTestPrograms.echoServer, "127.0.0.1", "8080"])
        defer { agent.close() }
        #expect(agent.program.nextLine() == "ready")

        let records = Records()
        let allowed = Allowed()
        var configuration = EgressProxy.Configuration()
        configuration.sweepInterval = .milliseconds(200)
        let proxy = try EgressProxy(
            configuration: configuration, outbound: try NamespaceThread(.named(network.fw)),
            authorize: { _, destination in .deny(missing: "net:connect:\(destination)") },
            record: { connection in records.all.withLock { $0.append(connection) } })
        defer { proxy.shutdown() }
        let published = Mutex<[String]>([])
        let ingress = AgentIngress(
            proxy: proxy,
            authorize: { agent, port in
                agent == "web" && port == 8080 && allowed.listen.withLock { $0 }
                    ? .allow(capability: "net:listen:8080") : .deny(missing: "net:listen:\(port)")
            },
            publish: { agent, port in
                published.withLock { $0.append("open \(agent) \(port)") }
                return { published.withLock { $0.append("close \(agent) \(port)") } }
            })
        try ingress.open(agent: "web", pid: agent.program.pid, ports: [8080])
        #expect(ingress.ports(of: "web") == [8080])

        func client(_ arguments: [String] = []) throws -> [String] {
            try network.exec(network.ext, ["python3", "-c", Self.client] + arguments).output
                .split(separator: "\n").map(String.init)
        }
        let first = try client()
        #expect(first == ["api:hi"], "\(first)")
        func lastRecord(count: Int) -> EgressConnection? {
            let deadline = Date() + 10
            while Date() < deadline {
                let all = records.all.withLock { $0 }
                if all.count >= count { return all.last }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return nil
        }
        let served = try #require(lastRecord(count: 1))
        #expect(served.inboundFrom?.hasPrefix("10.98.0.2:") == true && served.capability == "net:listen:8080")
        #expect(served.bytesIn == 3 && served.bytesOut == 7, "\(served.bytesIn) \(served.bytesOut)")

        // Held open, then the capability ends: the open connection is cut and the next one refused.
        let held = try RunningProgram(namespace: network.ext, ["python3", "-c", Self.client, "20"])
        #expect(held.nextLine() == "api:hi", "the connection is up")
        allowed.listen.withLock { $0 = false }
        #expect(held.finish() == ["cut"])
        #expect(lastRecord(count: 2)?.refusal == .revoked(missing: "net:listen:8080"))
        #expect(try client() == ["closed"])
        #expect(lastRecord(count: 3)?.refusal == .notAllowed(missing: "net:listen:8080"))

        ingress.close(agent: "web")
        #expect(try client() == ["refused"])
        #expect(published.withLock { $0 } == ["open web 8080", "close web 8080"])
    }

    /// An agent that listens and never accepts fills its backlog; the daemon must not wait on it: the next
    /// connections are ended at once, and everyone else's keep being served.
    @Test func anAgentThatNeverAcceptsDoesNotStallTheProxy() async throws {
        let network = try TestNetwork()
        defer { network.close() }
        let agent = try FakeAgentNamespace(
            network, suffix: "stuck",
            [
                "python3", "-u", "-c",
                "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 8080)); s.listen(0); print('ready'); "
                    + "time.sleep(600)",
            ])
        defer { agent.close() }
        #expect(agent.program.nextLine() == "ready")
        let proxy = try EgressProxy(
            outbound: try NamespaceThread(.named(network.fw)),
            authorize: { _, destination in .deny(missing: "net:connect:\(destination)") }, record: { _ in })
        defer { proxy.shutdown() }
        let ingress = AgentIngress(
            proxy: proxy, authorize: { _, _ in .allow(capability: "net:listen:8080") }, publish: nil)
        try ingress.open(agent: "stuck", pid: agent.program.pid, ports: [8080])
        // Three at once: the first fills the queue, the others wait their second each on the agent's own thread.
        let started = Date()
        let clients = try (0..<3).map { _ in
            let client = Process()
            client.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            client.arguments = ["netns", "exec", network.ext, "python3", "-c", Self.client]
            client.standardOutput = FileHandle.nullDevice
            try client.run()
            return client
        }
        clients.forEach { $0.waitUntilExit() }
        #expect(Date().timeIntervalSince(started) < 20, "ended without the proxy waiting out SYN retries")
        // Meanwhile the proxy's loop was free: a refused outbound request is answered at once.
        let proxied = try EgressProxy.listeningSocket(in: try NamespaceThread(.named(agent.name)), port: 3128)
        _ = try await proxy.serve(listeningSocket: proxied, agent: "stuck")
        // Timed from here only: the await above can resume late under a whole test run; a stalled proxy took minutes.
        let answered = Date()
        let refused = try network.exec(
            agent.name,
            ["env", "HTTPS_PROXY=http://127.0.0.1:3128", "python3", "-c", EgressTestPrograms.agentClient, "x.test:1"])
        #expect(refused.output == "x.test:1 403\n" && Date().timeIntervalSince(answered) < 30, "\(refused.output)")
    }

    /// Anyone outside can connect to a served port: those connections have bounds of their own, so a flood of them
    /// cannot use up the agent's bounds for its own outbound connections.
    @Test func inboundConnectionsDoNotUseUpTheAgentsOutboundBounds() async throws {
        let network = try TestNetwork()
        defer { network.close() }
        try network.start(network.ext, script: "echo.py", ["10.98.0.2", "8443"])
        let agent = try FakeAgentNamespace(
            network, suffix: "both", ["python3", "-u", "-c", EgressTestPrograms.echoServer, "127.0.0.1", "8080"])
        defer { agent.close() }
        #expect(agent.program.nextLine() == "ready")
        var configuration = EgressProxy.Configuration()
        configuration.limits.connectionsPerMinute = 3
        let proxy = try EgressProxy(
            configuration: configuration, outbound: try NamespaceThread(.named(network.fw)),
            authorize: { _, destination in
                destination.description == "10.98.0.2:8443"
                    ? .allow(capability: "net:connect:10.98.0.2:8443") : .deny(missing: "net:connect:\(destination)")
            }, record: { _ in })
        defer { proxy.shutdown() }
        let ingress = AgentIngress(
            proxy: proxy, authorize: { _, _ in .allow(capability: "net:listen:8080") }, publish: nil)
        try ingress.open(agent: "web", pid: agent.program.pid, ports: [8080])
        _ = try await proxy.serve(
            listeningSocket: try EgressProxy.listeningSocket(in: try NamespaceThread(.named(agent.name)), port: 3128),
            agent: "web")
        for _ in 0..<4 { _ = try network.exec(network.ext, ["python3", "-c", Self.client]) }
        let outbound = try network.exec(
            agent.name,
            [
                "env", "HTTPS_PROXY=http://127.0.0.1:3128", "python3", "-c", EgressTestPrograms.agentClient,
                "10.98.0.2:8443",
            ])
        #expect(outbound.output == "10.98.0.2:8443 200 api:hi\n", "\(outbound.output)")
    }
}
