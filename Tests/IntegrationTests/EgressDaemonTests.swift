import Foundation
import SecurityTesting
import Testing

/// `serve` with the egress proxy: an agent the daemon spawns reaches what its `net:connect` capability names through
/// the proxy, and every connection is in the ledger with its agent. The proxy connects from a namespace the test
/// makes (`--egress-namespace`), linked to a "world" namespace where a fake API listens; nothing touches the host's
/// network.
@Suite("Egress through the daemon", .serialized, .requiresRoot("network namespaces, agents"))
struct EgressDaemonTests {
    static let program = """
        import os, socket, sys
        host, port = os.environ['HTTPS_PROXY'].split('//')[1].rsplit(':', 1)
        for target in sys.argv[1:]:
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b'CONNECT ' + target.encode() + b' HTTP/1.1\\r\\n\\r\\n')
            head = b''
            while b'\\r\\n\\r\\n' not in head:
                chunk = s.recv(1)
                if not chunk: break
                head += chunk
            if b' 200 ' in head:
                s.sendall(b'hello\\n')
                s.recv(100)
            s.close()
        """

    static let echo = """
        import socket, sys, threading
        def serve(c):
            while True:
                data = c.recv(65536)
                if not data: break
                c.sendall(b'api:' + data)
            c.close()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('10.97.0.2', 8443))
        s.listen(16)
        print('ready', flush=True)
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
        """

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
        server.arguments = ["netns", "exec", world, "python3", "-u", "-c", Self.echo]
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
            for controller in ["cpu", "memory", "pids", "freezer", "blkio"] {
                rmdir("/sys/fs/cgroup/\(controller)/\(parent)")
            }
            rmdir("/sys/fs/cgroup/\(parent)")
        }
        let spawned = try daemon.call(
            "spawn", as: "orchestrator",
            [
                "--agent", "aios-agent-network", "--", "/usr/bin/python3", "-c", Self.program, "10.97.0.2:8443",
                "10.97.0.2:22", "api.anthropic.com:443",
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
        #expect(relayed?.contains(#""bytes_in":10"#) == true, "\"api:hello\\n\" is 10 bytes: \(lines)")
        let refused = lines.first { $0.contains(#""target":"10.97.0.2:22""#) }
        #expect(refused?.contains(#""missing_capability":"net:connect:10.97.0.2:22""#) == true, "\(lines)")
        let other = lines.first { $0.contains(#""target":"api.anthropic.com:443""#) }
        #expect(other?.contains(#""result":"denied""#) == true, "\(lines)")
    }
}
