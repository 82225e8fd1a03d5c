import Foundation
import SecurityTesting
import Testing

@Suite("The firewall through the daemon, inside a network namespace the test creates")
struct FirewallDaemonTests {
    /// Runs `ip ARGUMENTS`; its exit status and output.
    @discardableResult
    func ip(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test(
        "with the firewall, every connection is an event at once and a network_connection entry per flow and minute",
        .requiresRoot("network namespaces, nftables, conntrack"))
    func connections() throws {
        let namespace = "aios-it-ct-\(getpid())"
        try ip(["netns", "add", namespace])
        defer { try? ip(["netns", "del", namespace]) }
        try ip(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        let daemon = try DaemonFixture(extraArguments: ["--firewall", "--allow-no-management"], namespace: namespace)
        defer { daemon.stop() }
        let port = String(daemon.address.split(separator: ":").last ?? "")
        for _ in 0..<3 { #expect(try daemon.call("status", as: "aios-agent-monitor").status == 0) }
        let events = try BinaryRunner.run(
            ["events", "network", "--json", "--server", daemon.address, "--identity", daemon.identity("orchestrator")],
            namespace: namespace)
        #expect(events.status == 0, "\(events.stderr)")
        let calls = events.stdout.split(separator: "\n").filter { $0.contains(#""target":"tcp 127.0.0.1:\#(port)""#) }
        #expect(calls.count >= 3, "each call's connection as it happened: \(events.stdout)")
        #expect(calls.allSatisfy { $0.contains(#""id":"""#) && $0.contains(#""action":"net.local""#) })

        #expect(daemon.stop() == 0)
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "network_connection", "--json",
        ])
        let flows = audit.stdout.split(separator: "\n").filter { $0.contains(#""target":"tcp 127.0.0.1:\#(port)""#) }
        #expect((1...2).contains(flows.count), "one entry per flow and minute, written by shutdown: \(audit.stdout)")
        #expect(flows.allSatisfy { $0.contains(#""direction":"local""#) && $0.contains(#""uid":0"#) })
    }

    @Test(
        "the Network Agent blocks and allows, an agent without firewall: may not, each change is a policy_change",
        .requiresRoot("network namespaces and nftables"))
    func changes() throws {
        let namespace = "aios-it-fw-\(getpid())"
        try ip(["netns", "add", namespace])
        defer { try? ip(["netns", "del", namespace]) }
        try ip(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        let daemon = try DaemonFixture(extraArguments: ["--firewall", "--allow-no-management"], namespace: namespace)
        defer { daemon.stop() }
        let blocked = try daemon.call(
            "firewall", as: "aios-agent-network",
            ["block", "--address", "192.0.2.7", "--duration", "1h", "--reason", "scanner"])
        #expect(blocked.status == 0, "\(blocked.stderr)")
        let allowed = try daemon.call(
            "firewall", as: "aios-agent-network",
            [
                "allow", "--direction", "in", "--port", "8443", "--peer", "198.51.100.0/24", "--id", "web",
                "--reason", "dashboard",
            ])
        #expect(allowed.status == 0 && allowed.stdout.hasPrefix("web allow in tcp 8443"), "\(allowed.stdout)")
        let refused = try daemon.call(
            "firewall", as: "aios-agent-monitor", ["block", "--address", "192.0.2.8", "--reason", "mine"])
        #expect(refused.status == 77, "\(refused.stderr)")
        let listed = try daemon.call("firewall", as: "operator-admin", ["list"])
        #expect(listed.stdout.contains("blocked 192.0.2.7") && listed.stdout.contains("web allow"), "\(listed.stdout)")
        let table = try ip(["netns", "exec", namespace, "nft", "list", "table", "inet", "aios"])
        #expect(table.output.contains("192.0.2.7") && table.output.contains("8443"), "\(table.output)")
        daemon.stop()
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "policy_change", "--json",
        ])
        #expect(audit.stdout.contains("\"action\":\"firewall.block\""), "\(audit.stdout)")
        #expect(audit.stdout.contains("\"agent\":\"aios-agent-network\""), "\(audit.stdout)")
        #expect(audit.stdout.contains("\"result\":\"denied\""), "the monitor's refused block: \(audit.stdout)")
    }

    @Test(
        "serve --firewall runs the IDS: five failed SSH passwords in sshd's log get the source blocked and recorded",
        .requiresRoot("network namespaces, nftables, NFLOG"))
    func intrusionDetection() throws {
        let namespace = "aios-it-ids-\(getpid())"
        try ip(["netns", "add", namespace])
        defer { try? ip(["netns", "del", namespace]) }
        try ip(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aios-auth-\(UUID()).log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let daemon = try DaemonFixture(
            extraArguments: ["--firewall", "--allow-no-management", "--ids-auth-log", log], namespace: namespace)
        defer { daemon.stop() }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        for attempt in 0..<5 {
            let line =
                "\(formatter.string(from: Date())) host sshd[\(4000 + attempt)]: Failed password for root from "
                + "192.0.2.99 port \(50000 + attempt) ssh2\n"
            handle.write(Data(line.utf8))
        }
        try handle.close()
        var listed = ""
        for _ in 0..<50 where !listed.contains("blocked 192.0.2.99") {
            Thread.sleep(forTimeInterval: 0.1)
            listed = try daemon.call("firewall", as: "operator-admin", ["list"]).stdout
        }
        #expect(listed.contains("blocked 192.0.2.99"), "\(listed)")
        // The daemon's own refusals count too: a revoked identity calling five times from loopback (allow-listed:
        // an alert, never a block).
        let revoked = try BinaryRunner.run(
            [
                "ca", "revoke", "--identity", "spiffe://aios.local/agent/aios-agent-task", "--state-dir", daemon.state,
                "--vault", daemon.vault,
            ], namespace: namespace)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        for _ in 0..<5 { #expect(try daemon.call("status", as: "aios-agent-task").status == 77) }
        daemon.stop()
        let alerts = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "security_alert", "--json",
        ])
        #expect(alerts.stdout.contains("ids.brute_force") && alerts.stdout.contains("192.0.2.99"), "\(alerts.stdout)")
        #expect(alerts.stdout.contains("ids.auth_failures") && alerts.stdout.contains("127.0.0.1"), "\(alerts.stdout)")
    }
}
