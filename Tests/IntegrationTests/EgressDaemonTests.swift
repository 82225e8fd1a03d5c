import Foundation
import SecurityTesting
import Testing

/// `serve` with the egress proxy: an agent the daemon spawns reaches what its `net:connect` capability names through
/// the proxy, and every connection is in the ledger with its agent. The proxy connects from a namespace the test
/// makes (`--egress-namespace`), linked to a "world" namespace where a fake API listens; nothing touches the host's
/// network.
@Suite("Egress through the daemon", .serialized, .requiresRoot("network namespaces, agents"))
struct EgressDaemonTests {
    @Test func anAgentsConnectionsGoThroughTheProxyAndAreRecorded() throws {
        let base = "aios-eg-\(getpid())"
        let (egress, world) = (base + "-out", base + "-world")
        defer {
            _ = try? BinaryRunner.run(executable: "/usr/sbin/ip", ["netns", "del", egress])
            _ = try? BinaryRunner.run(executable: "/usr/sbin/ip", ["netns", "del", world])
        }
        for command in [
            ["netns", "add", egress], ["netns", "add", world],
            ["-n", egress, "link", "add", "x0", "type", "veth", "peer", "name", "x1", "netns", world],
            ["-n", egress, "addr", "add", "10.97.0.1/24", "dev", "x0"],
            ["-n", world, "addr", "add", "10.97.0.2/24", "dev", "x1"],
            ["-n", egress, "link", "set", "x0", "up"], ["-n", world, "link", "set", "x1", "up"],
            ["-n", egress, "link", "set", "lo", "up"], ["-n", world, "link", "set", "lo", "up"],
        ] {
            let result = try BinaryRunner.run(executable: "/usr/sbin/ip", command)
            try #require(result.status == 0, "\(command): \(result.stderr)")
        }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        server.arguments = [
            "netns", "exec", world, "python3", "-u", "-c", EgressTestPrograms.echoServer, "10.97.0.2", "8443",
        ]
        let ready = Pipe()
        server.standardOutput = ready
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        #expect(ready.fileHandleForReading.availableData.starts(with: Data("ready".utf8)))

        let parent = "aios-test-\(getpid())-egress"
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent, "--egress-namespace", egress],
            policy: """
                aios-agent-network:
                  capabilities: ["net:connect:10.97.0.2:8443"]
                """)
        defer {
            daemon.stop()
            removeTestCgroup(parent)
        }
        let spawned = try daemon.call(
            "spawn", as: "orchestrator",
            [
                "--agent", "aios-agent-network", "--", "/usr/bin/python3", "-c", EgressTestPrograms.agentClient,
                "10.97.0.2:8443", "10.97.0.2:8443", "10.97.0.2:22", "api.anthropic.com:443",
            ])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        var lines: [Substring] = []
        let deadline = Date() + 30
        while Date() < deadline {
            let audit = try BinaryRunner.run([
                "audit", "query", "--state-dir", daemon.state, "--type", "network_connection", "--json",
            ])
            lines = audit.stdout.split(separator: "\n")
            if lines.count >= 3 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let relayed = lines.first { $0.contains(#""target":"10.97.0.2:8443""#) }
        #expect(relayed?.contains(#""result":"success""#) == true, "\(lines)")
        #expect(relayed?.contains(#""agent":"aios-agent-network""#) == true)
        #expect(relayed?.contains(#""bytes_in":7"#) == true, "\"api:hi\\n\" is 7 bytes: \(lines)")
        let refused = lines.first { $0.contains(#""target":"10.97.0.2:22""#) }
        #expect(refused?.contains(#""missing_capability":"net:connect:10.97.0.2:22""#) == true, "\(lines)")
        let other = lines.first { $0.contains(#""target":"api.anthropic.com:443""#) }
        #expect(other?.contains(#""result":"denied""#) == true, "\(lines)")
    }
}
