import Foundation
import SecurityTesting
import Testing

/// `serve --firewall` with the egress proxy, inside a namespace the test makes (`host`, linked to a "world" namespace
/// where a fake API and a fake DNS server listen): an agent the daemon spawns reaches what its `net:connect`
/// capability names through the proxy, names are resolved by the daemon's own DNS forwarder (so the firewall's
/// outbound names bound them too), and every connection is in the ledger with its agent. Nothing touches the host's
/// network.
@Suite("Egress through the daemon", .serialized, .requiresRoot("network namespaces, nftables, agents"))
struct EgressDaemonTests {
    @Test func anAgentsConnectionsGoThroughTheProxyAndAreRecorded() throws {
        let base = "aios-eg-\(getpid())"
        let (host, world) = (base + "-host", base + "-world")
        defer {
            _ = try? BinaryRunner.run(executable: "/usr/sbin/ip", ["netns", "del", host])
            _ = try? BinaryRunner.run(executable: "/usr/sbin/ip", ["netns", "del", world])
        }
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
        let servers = try [
            [EgressTestPrograms.echoServer, "10.97.0.2", "8443"],
            [FakeDNSServer.script, "10.97.0.2", "api.test=10.97.0.2", "unlisted.test=10.97.0.2"],
        ].map { program in try startInNamespace(world, program) }
        defer {
            for server in servers {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
        }

        let parent = "aios-test-\(getpid())-egress"
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent, "--firewall", "--allow-no-management"],
            namespace: host,
            policy: """
                aios-agent-network:
                  capabilities: ["net:connect:api.test:8443", "net:connect:unlisted.test:8443"]
                firewall:
                  outbound: {names: [api.test], ports: [8443]}
                  dns: {servers: [10.97.0.2]}
                """)
        defer {
            daemon.stop()
            removeTestCgroup(parent)
        }
        let spawned = try daemon.call(
            "spawn", as: "orchestrator",
            [
                "--agent", "aios-agent-network", "--", "/usr/bin/python3", "-c", EgressTestPrograms.agentClient,
                "--direct", "10.97.0.2:8443", "api.test:8443", "unlisted.test:8443", "10.97.0.2:8443",
                "api.test:22", "api.anthropic.com:443",
            ])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        var lines: [Substring] = []
        let deadline = Date() + 30
        while Date() < deadline {
            let audit = try BinaryRunner.run([
                "audit", "query", "--state-dir", daemon.state, "--type", "network_connection", "--json",
            ])
            lines = audit.stdout.split(separator: "\n").filter { $0.contains(#""action":"net.connect""#) }
            if lines.count >= 5 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
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

    /// Starts `python3 -c PROGRAM ARGUMENTS…` inside `namespace` and waits for its `ready`.
    private func startInNamespace(_ namespace: String, _ program: [String]) throws -> Process {
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
