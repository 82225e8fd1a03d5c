import Foundation
import SecurityTesting
import Testing

/// The console's audit and network pages of a real daemon in a real browser (see ``ConsoleBrowser``).
@Suite("Web console in headless Chromium: audit and network")
struct ConsoleBrowserAuditTests {
    static func policy(_ alice: SSHKeyPair) -> String {
        """
        worker-a:
          capabilities: ["fs:read:/tmp/*"]
        emergency:
          operators:
            alice: {ssh_keys: ["\(alice.publicKeyLine.trimmingCharacters(in: .whitespacesAndNewlines))"]}
          freeze_timeout: never
        """
    }

    /// Entries added before the console opens (a verification of this many takes about a second or more).
    static let filler = 150_000

    @Test("search the ledger, a bad time named, open an entry, check its proof, verify with progress, export")
    func audit() throws {
        let alice = try SSHKeyPair(name: "alice")
        defer { alice.remove() }
        let daemon = try DaemonFixture(policy: Self.policy(alice))
        defer { daemon.stop() }
        // A ledger large enough that a verification takes a while: its progress is on the page.
        daemon.stop()
        try? FileManager.default.removeItem(atPath: daemon.state + "/console/address")
        let line =
            #"{"event_type":"tool_call","agent":"aios-agent-system","action":"fs.read","target":"/srv/data","#
            + #""result":"success","risk_level":"low"}"#
        #expect(try Self.append(Array(repeating: line, count: Self.filler), state: daemon.state) == 0)
        try daemon.restart()
        let console = try ConsoleBrowser(daemon: daemon)
        let seen = try console.run(scenario: "audit", link: try console.loginLink(operator: "alice"))
        #expect(seen["audit_heading"] as? String == "Audit ledger")
        #expect((seen["bad_input"] as? String)?.contains("From") == true, "\(seen["bad_input"] ?? "")")
        #expect((seen["results"] as? Int ?? 0) >= 1)
        #expect((seen["first_row"] as? String)?.contains("operator:alice") == true)
        #expect((seen["entry_id"] as? String)?.hasPrefix("audit-") == true)
        #expect((seen["entry_fields"] as? [String])?.contains("event_type") == true)
        #expect((seen["proof"] as? String)?.hasPrefix("Valid") == true, "\(seen["proof"] ?? "")")
        #expect((seen["verify"] as? String)?.hasPrefix("Intact") == true, "\(seen["verify"] ?? "")")
        #expect(seen["verify_progress_seen"] as? Bool == true)
        let checked = seen["verify_checked"] as? [Int] ?? []
        #expect(checked.contains { $0 > 0 && $0 < Self.filler }, "the script showed no progress: \(checked)")
        #expect((seen["export_lines"] as? Int ?? 0) >= 1)
        #expect(seen["export_agents"] as? [String] == ["operator:alice"])
        #expect((seen["csp_violations"] as? [String]) == [], "\(seen["csp_violations"] ?? "")")
        #expect((seen["accessibility"] as? [String]) == [], "\(seen["accessibility"] ?? "")")
        daemon.stop()
        let recorded = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "operator:alice", "--type", "api_call", "--json",
        ])
        #expect(recorded.stdout.contains(#""action":"audit.export""#), "\(recorded.stdout)")
        #expect(recorded.stdout.contains(#""action":"audit.verify""#), "\(recorded.stdout)")
    }

    @Test(
        "the IDS's alert with its evidence and its block; unblock pressed, the block gone and recorded as the operator",
        .requiresRoot("a network namespace, nftables"))
    func network() throws {
        let namespace = "aios-it-console-\(getpid())"
        try Self.ip(["netns", "add", namespace])
        defer { try? Self.ip(["netns", "del", namespace]) }
        try Self.ip(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aios-auth-\(UUID()).log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let alice = try SSHKeyPair(name: "alice")
        defer { alice.remove() }
        let daemon = try DaemonFixture(
            extraArguments: ["--firewall", "--allow-no-management", "--ids-auth-log", log], namespace: namespace,
            policy: Self.policy(alice))
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
        for _ in 0..<200 where !listed.contains("blocked 192.0.2.99") {
            Thread.sleep(forTimeInterval: 0.1)
            listed = try daemon.call("firewall", as: "operator-admin", ["list"]).stdout
        }
        #expect(listed.contains("blocked 192.0.2.99"), "\(listed)")
        let allowed = try daemon.call(
            "firewall", as: "operator-admin",
            [
                "allow", "--direction", "in", "--port", "8443", "--peer", "198.51.100.0/24", "--id", "web",
                "--reason", "the dashboard for <ops>",
            ])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let console = try ConsoleBrowser(daemon: daemon)
        let seen = try console.run(
            scenario: "network", link: try console.loginLink(operator: "alice"), extra: ["192.0.2.99"])
        #expect(seen["network_heading"] as? String == "Network")
        #expect(seen["no_firewall"] as? Bool == false)
        let rules = seen["rules"] as? String ?? ""
        #expect(rules.contains("operator") && rules.contains("the dashboard for <ops>"), "\(rules)")
        #expect((seen["alerts"] as? String)?.contains("ids.brute_force") == true, "\(seen["alerts"] ?? "")")
        #expect((seen["alerts"] as? String)?.contains("192.0.2.99") == true)
        #expect((seen["blocks"] as? String)?.contains("192.0.2.99") == true, "\(seen["blocks"] ?? "")")
        #expect((seen["blocks_after"] as? String)?.contains("192.0.2.99") != true, "\(seen["blocks_after"] ?? "")")
        #expect((seen["changes_after"] as? String)?.contains("firewall.unblock") == true)
        #expect((seen["csp_violations"] as? [String]) == [], "\(seen["csp_violations"] ?? "")")
        #expect((seen["accessibility"] as? [String]) == [], "\(seen["accessibility"] ?? "")")
        let after = try daemon.call("firewall", as: "operator-admin", ["list"]).stdout
        #expect(!after.contains("blocked 192.0.2.99"), "\(after)")
        daemon.stop()
        let recorded = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "firewall.unblock", "--json",
        ])
        #expect(recorded.stdout.contains(#""agent":"operator:alice""#), "\(recorded.stdout)")
    }

    /// `aios-sec audit append` of `lines` from a file, its ids (one a line) thrown away: a pipe both ways would
    /// fill up.
    static func append(_ lines: [String], state: String) throws -> Int32 {
        let file = state + "/../filler.jsonl"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let process = Process()
        BinaryRunner.configure(process, ["audit", "append", "--state-dir", state], namespace: nil)
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
