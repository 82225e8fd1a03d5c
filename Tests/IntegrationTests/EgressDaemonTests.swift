import Foundation
import SecurityTesting
import Testing

/// `serve --firewall` with the egress proxy, inside a namespace the test makes (`host`, linked to a "world" namespace
/// where a fake API and a fake DNS server listen): agents the daemon spawns and tasks it runs reach what their
/// `net:connect` capabilities name through the proxy, names are resolved by the daemon's own DNS forwarder (so the
/// firewall's outbound names bound them too), and every connection is in the ledger with its agent. Nothing touches
/// the host's network.
@Suite("Egress through the daemon", .serialized, .requiresRoot("network namespaces, nftables, agents, podman"))
struct EgressDaemonTests {
    /// The namespaces, the fake API (10.97.0.2:8443) and DNS server, and the daemon in `host`.
    final class World {
        let host: String
        let world: String
        private var servers: [Process] = []
        private(set) var daemon: DaemonFixture!
        let parent = "aios-test-\(getpid())-egress"

        init(policy: String) throws {
            let base = "aios-eg-\(getpid())"
            (host, world) = (base + "-host", base + "-world")
            do {
                for command in [
                    ["netns", "add", host], ["netns", "add", world],
                    ["-n", host, "link", "add", "x0", "type", "veth", "peer", "name", "x1", "netns", world],
                    ["-n", host, "addr", "add", "10.97.0.1/24", "dev", "x0"],
                    ["-n", world, "addr", "add", "10.97.0.2/24", "dev", "x1"],
                    ["-n", host, "link", "set", "x0", "up"], ["-n", world, "link", "set", "x1", "up"],
                    ["-n", host, "link", "set", "lo", "up"], ["-n", world, "link", "set", "lo", "up"],
                ] {
                    let result = try BinaryRunner.run(executable: "/usr/sbin/ip", command)
                    try #require(result.status == 0, "\(command): \(result.stderr)")
                }
                servers = try [
                    [EgressTestPrograms.echoServer, "10.97.0.2", "8443"],
                    [FakeDNSServer.script, "10.97.0.2", "api.test=10.97.0.2", "unlisted.test=10.97.0.2"],
                ].map { program in try Self.start(in: world, program) }
                daemon = try DaemonFixture(
                    extraArguments: ["--agent-cgroup-parent", parent, "--firewall", "--allow-no-management"],
                    namespace: host,
                    policy: policy + """

                        firewall:
                          outbound: {names: [api.test], ports: [8443]}
                          dns: {servers: [10.97.0.2]}
                        """)
            } catch {
                close()
                throw error
            }
        }

        func close() {
            daemon?.stop()
            removeTestCgroup(parent)
            for server in servers {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
            _ = try? BinaryRunner.run(executable: "/usr/sbin/ip", ["netns", "del", host])
            _ = try? BinaryRunner.run(executable: "/usr/sbin/ip", ["netns", "del", world])
        }

        /// The ledger's `action` entries once there are at least `count` (or after 30 s).
        func connections(atLeast count: Int, action: String = "net.connect") throws -> [Substring] {
            var lines: [Substring] = []
            let deadline = Date() + 30
            while Date() < deadline {
                let audit = try BinaryRunner.run([
                    "audit", "query", "--state-dir", daemon.state, "--type", "network_connection", "--json",
                ])
                lines = audit.stdout.split(separator: "\n").filter { $0.contains(#""action":"\#(action)""#) }
                if lines.count >= count { break }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return lines
        }

        /// Starts `python3 -c PROGRAM ARGUMENTS…` inside `namespace` and waits for its `ready`.
        private static func start(in namespace: String, _ program: [String]) throws -> Process {
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            server.arguments = ["netns", "exec", namespace, "python3", "-u", "-c"] + program
            let ready = Pipe()
            server.standardOutput = ready
            try server.run()
            #expect(ready.fileHandleForReading.availableData.starts(with: Data("ready".utf8)))
            return server
        }
    }

    @Test func anAgentsConnectionsGoThroughTheProxyAndAreRecorded() throws {
        let world = try World(
            policy: """
                aios-agent-network:
                  capabilities: ["net:connect:api.test:8443", "net:connect:unlisted.test:8443"]
                """)
        defer { world.close() }
        let spawned = try world.daemon.call(
            "spawn", as: "orchestrator",
            [
                "--agent", "aios-agent-network", "--", "/usr/bin/python3", "-c", EgressTestPrograms.agentClient,
                "--direct", "10.97.0.2:8443", "api.test:8443", "unlisted.test:8443", "10.97.0.2:8443",
                "api.test:22", "api.anthropic.com:443",
            ])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        let lines = try world.connections(atLeast: 5)
        func entry(_ target: String) -> Substring? { lines.first { $0.contains(#""target":"\#(target)""#) } }
        let relayed = entry("api.test:8443")
        #expect(relayed?.contains(#""result":"success""#) == true, "\(lines)")
        #expect(relayed?.contains(#""agent":"aios-agent-network""#) == true)
        #expect(relayed?.contains(#""address":"10.97.0.2""#) == true, "resolved by the forwarder: \(lines)")
        #expect(relayed?.contains(#""bytes_in":7"#) == true, "\"api:hi\\n\" is 7 bytes: \(lines)")
        // Allowed by the agent's capability, but not one of the firewall's outbound names: the forwarder refuses it.
        let unlisted = entry("unlisted.test:8443")
        #expect(unlisted?.contains(#""refusal":"no_usable_address""#) == true, "\(lines)")
        #expect(unlisted?.contains("refused unlisted.test") == true, "\(lines)")
        for target in ["10.97.0.2:8443", "api.test:22", "api.anthropic.com:443"] {
            #expect(
                entry(target)?.contains(#""missing_capability":"net:connect:\#(target)""#) == true, "\(target) \(lines)"
            )
        }
    }

    @Test func aTaskWithANetworkReachesTheAllowedNameOnly() throws {
        // The orchestrator runs the task: its connections are decided as aios-agent-task, the role it grants per task.
        let world = try World(
            policy: """
                aios-agent-task:
                  capabilities: ["net:connect:api.test:8443"]
                """)
        defer { world.close() }
        let script = """
            for t in api.test:8443 other.test:8443; do
              printf "CONNECT $t HTTP/1.1\\r\\n\\r\\nhi\\n" | timeout 3 nc 127.0.0.1 3128 | tr -d '\\r' | grep -E '^HTTP|^api:'
            done
            timeout 3 nc 10.97.0.2 8443 </dev/null && echo direct-open || echo direct-failed
            grep -c ':' /proc/net/dev
            """
        let ran = try world.daemon.call(
            "task", as: "orchestrator", ["--network", "--timeout", "60s", "--", "sh", "-c", script], timeout: 180)
        #expect(ran.status == 0, "\(ran.stderr)")
        let output = ran.stdout.split(separator: "\n").map(String.init)
        #expect(output.first?.hasPrefix("HTTP/1.1 200") == true, "\(output) \(ran.stderr)")
        #expect(output.contains("api:hi"), "\(output)")
        #expect(output.contains { $0.hasPrefix("HTTP/1.1 403") }, "\(output)")
        #expect(output.contains("direct-failed"), "no route around the proxy: \(output)")
        #expect(output.last == "1", "only lo in the task's namespace: \(output)")
        let lines = try world.connections(atLeast: 2)
        let relayed = lines.first { $0.contains(#""target":"api.test:8443""#) }
        #expect(relayed?.contains(#""agent":"aios-agent-task""#) == true, "\(lines)")
        #expect(relayed?.contains(#""result":"success""#) == true, "\(lines)")
        let refused = lines.first { $0.contains(#""target":"other.test:8443""#) }
        #expect(refused?.contains(#""missing_capability":"net:connect:other.test:8443""#) == true, "\(lines)")
    }

    @Test func anAgentHoldingNetListenServesItsPortThroughTheFirewall() throws {
        let world = try World(
            policy: """
                aios-agent-network:
                  capabilities: ["net:listen:8080"]
                """)
        defer { world.close() }
        let spawned = try world.daemon.call(
            "spawn", as: "orchestrator",
            [
                "--agent", "aios-agent-network", "--", "/usr/bin/python3", "-c", EgressTestPrograms.echoServer,
                "127.0.0.1", "8080",
            ])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        let table = try BinaryRunner.run(
            executable: "/usr/sbin/ip", ["netns", "exec", world.host, "nft", "list", "ruleset"])
        #expect(table.stdout.contains("tcp dport 8080 accept"), "the port opened in the firewall: \(table.stdout)")
        // From the world namespace, through the host's address: retried until the agent listens.
        let client = """
            import socket, time
            for attempt in range(50):
                try:
                    s = socket.create_connection(('10.97.0.1', 8080), timeout=3)
                    s.sendall(b'hi\\n')
                    reply = s.recv(100).decode().strip()
                    if reply:
                        print(reply)
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            """
        let reached = try BinaryRunner.run(
            executable: "/usr/sbin/ip", ["netns", "exec", world.world, "python3", "-c", client])
        #expect(reached.stdout == "api:hi\n", "\(reached.stdout) \(reached.stderr)")
        let lines = try world.connections(atLeast: 1, action: "net.listen")
        let served = lines.first { $0.contains(#""result":"success""#) }
        #expect(served?.contains(#""agent":"aios-agent-network""#) == true, "\(lines)")
        #expect(served?.contains(#""peer":"10.97.0.2:"#) == true, "\(lines)")
        #expect(served?.contains(#""target":"tcp 8080 from 10.97.0.2:"#) == true, "\(lines)")
    }

    @Test func aGrantOpensADestinationAndItsRevokeCutsTheOpenConnection() throws {
        // The agent holds nothing; its ceiling lets the orchestrator grant it net:connect.
        let world = try World(
            policy: """
                aios-agent-network:
                  capabilities: []
                  grant_ceiling: {allow: ["net:connect:*"]}
                """)
        defer { world.close() }
        // The agent tries api.test:8443 every 0.3 s; once through, it holds the tunnel until the proxy ends it.
        let loop = """
            import os, socket, time
            host, port = os.environ['HTTPS_PROXY'].split('//')[1].rsplit(':', 1)
            while True:
                s = socket.create_connection((host, int(port)))
                s.sendall(b'CONNECT api.test:8443 HTTP/1.1\\r\\n\\r\\n')
                head = s.recv(1000)
                if head.startswith(b'HTTP/1.1 200'):
                    s.sendall(b'hi\\n')
                    while s.recv(100): pass
                s.close()
                time.sleep(0.3)
            """
        let spawned = try world.daemon.call(
            "spawn", as: "orchestrator", ["--agent", "aios-agent-network", "--", "/usr/bin/python3", "-c", loop])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        func entries() throws -> [Substring] {
            try world.connections(atLeast: 0).filter { $0.contains(#""target":"api.test:8443""#) }
        }
        func waitFor(_ what: String, _ condition: ([Substring]) -> Bool) throws -> [Substring] {
            let deadline = Date() + 30
            var found = try entries()
            while !condition(found), Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                found = try entries()
            }
            #expect(condition(found), "\(what): \(found)")
            return found
        }
        _ = try waitFor("refused before the grant") { $0.contains { $0.contains(#""refusal":"not_allowed""#) } }
        let granted = try world.daemon.call(
            "grant", as: "orchestrator",
            [
                "--agent", "aios-agent-network", "--capability", "net:connect:api.test:8443", "--duration", "10m",
                "--reason", "fetch", "--json",
            ])
        #expect(granted.status == 0, "\(granted.stderr)")
        let grantID = try #require(
            granted.stdout.firstMatch(of: /"id":"([^"]+)"/).map { String($0.output.1) }, "\(granted.stdout)")
        // The agent is through and holding its tunnel once the proxy's connection to the API shows among the
        // host's connections (the firewall's connection tracking reports each at once).
        var through = false
        let deadline = Date() + 30
        while !through, Date() < deadline {
            let events = try BinaryRunner.run(
                [
                    "events", "network", "--json", "--server", world.daemon.address, "--identity",
                    world.daemon.identity("orchestrator"),
                ], namespace: world.host)
            through = events.stdout.contains("10.97.0.2:8443")
            if !through { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(through, "the granted connection reached the API")
        let revoked = try world.daemon.call("revoke", as: "orchestrator", ["--grant-id", grantID])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let after = try waitFor("the held tunnel cut, then refused again") { found in
            guard let cut = found.firstIndex(where: { $0.contains(#""refusal":"revoked""#) }) else { return false }
            return found[(cut + 1)...].contains { $0.contains(#""refusal":"not_allowed""#) }
        }
        let cut = try #require(after.first { $0.contains(#""refusal":"revoked""#) })
        #expect(cut.contains(#""bytes_in":7"#), "it had been relayed: \(cut)")
        #expect(cut.contains(#""missing_capability":"net:connect:api.test:8443""#), "\(cut)")
    }
}
