import Foundation
import Policy
import SecurityTesting
import Testing

/// The web console of a real daemon in a real browser (see ``ConsoleBrowser``).
@Suite("Web console in headless Chromium")
struct ConsoleBrowserTests {
    @Test("log in with a one-time link, see the overview, stop everything in two clicks, the link used up")
    func loginOverviewEmergencyStop() throws {
        let alice = try SSHKeyPair(name: "alice")
        defer { alice.remove() }
        let key = alice.publicKeyLine.trimmingCharacters(in: .whitespacesAndNewlines)
        let daemon = try DaemonFixture(
            policy: """
                worker-a:
                  capabilities: ["fs:read:/tmp/*"]
                emergency:
                  operators:
                    alice: {ssh_keys: ["\(key)"]}
                  freeze_timeout: never
                """)
        defer { daemon.stop() }
        let console = try ConsoleBrowser(daemon: daemon)
        let link = try console.loginLink(operator: "alice")
        #expect(link.hasPrefix("https://\(console.address)/login?token="))
        let seen = try console.run(
            scenario: "emergency", link: link, extra: [try console.loginLink(operator: "alice")])
        #expect(seen["no_session_heading"] as? String == "Log in")
        #expect(seen["no_session_has_estop"] as? Bool == false)
        #expect(seen["overview_heading"] as? String == "Overview")
        #expect(seen["mode_before"] as? String == "autonomous")
        let cookie = try #require(seen["cookie"] as? [String: Any])
        #expect(cookie["httpOnly"] as? Bool == true)
        #expect(cookie["secure"] as? Bool == true)
        #expect(cookie["sameSite"] as? String == "Strict")
        #expect(cookie["script_sees_it"] as? Bool == false)
        #expect((seen["stale_csrf"] as? String)?.contains("CSRF") == true, "\(seen["stale_csrf"] ?? "")")
        #expect(seen["confirm_heading"] as? String == "Stop everything?")
        #expect(seen["mode_after"] as? String == "manual")
        #expect((seen["reused_link"] as? String)?.contains("unknown or already used login link") == true)
        #expect((seen["csp_violations"] as? [String]) == [], "\(seen["csp_violations"] ?? "")")
        let status = try BinaryRunner.run([
            "call", "status", "--server", daemon.address, "--identity", daemon.identity("orchestrator"),
        ])
        #expect(status.stdout.contains("MANUAL MODE"), "\(status.stdout)")
        #expect(status.stdout.contains("stopped by operator:alice"), "\(status.stdout)")
    }
}

@Suite("Web console operations in headless Chromium")
struct ConsoleOperationsBrowserTests {
    @Test(
        "approve a waiting call, revoke its grant, see an alert arrive live, stop by keyboard, resume refused unsigned")
    func operations() throws {
        let alice = try SSHKeyPair(name: "alice")
        defer { alice.remove() }
        let key = alice.publicKeyLine.trimmingCharacters(in: .whitespacesAndNewlines)
        let daemon = try DaemonFixture(
            policy: BuiltinPolicy.yaml + """

                emergency:
                  operators:
                    alice: {ssh_keys: ["\(key)"]}
                  freeze_timeout: never
                """)
        defer { daemon.stop() }
        let target = daemon.directory + "/data/old-report.txt"
        try FileManager.default.createDirectory(atPath: daemon.directory + "/data", withIntermediateDirectories: true)
        try "x".write(toFile: target, atomically: true, encoding: .utf8)
        let grant = try daemon.call(
            "grant", as: "orchestrator",
            [
                "--agent", "aios-agent-task", "--capability", "fs:delete:\(daemon.directory)/data/*", "--duration",
                "5m", "--reason", "cleanup of old reports",
            ])
        #expect(grant.status == 0, "\(grant.stderr)")
        let exec = Process()
        exec.executableURL = BinaryRunner.binary
        exec.arguments = [
            "call", "exec", "--server", daemon.address, "--identity", daemon.identity("aios-agent-task"), "--tool",
            "fs.delete", "--arg", "path=\(target)",
        ]
        exec.standardOutput = Pipe()
        exec.standardError = Pipe()
        try exec.run()
        defer { if exec.isRunning { kill(exec.processIdentifier, SIGKILL) } }
        let pending = try #require(try waitForPendingCall(daemon), "the delete never waited for a confirmation")
        // A request field over its limit is a security alert (the agent sends a 5 KiB reason).
        let alert = [
            BinaryRunner.binary.path, "call", "grant", "--server", daemon.address, "--identity",
            daemon.identity("aios-agent-task"), "--agent", "aios-agent-task", "--capability", "fs:read:/tmp/*",
            "--duration", "5m", "--reason", String(repeating: "r", count: 5000),
        ]
        let console = try ConsoleBrowser(daemon: daemon)
        let seen = try console.run(
            scenario: "operations", link: try console.loginLink(operator: "alice"),
            extra: [pending, String(decoding: try JSONSerialization.data(withJSONObject: alert), as: UTF8.self)])
        #expect((seen["call_text"] as? String)?.contains("path \(target)") == true, "\(seen["call_text"] ?? "")")
        exec.waitUntilExit()
        #expect(exec.terminationStatus == 0, "the approved delete ran")
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(seen["grants_before"] as? Int == 1)
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "revoke", "--json",
        ])
        #expect(audit.stdout.contains("operator:alice"), "\(audit.stdout)")
        #expect((seen["live_alert"] as? String)?.contains("reason") == true, "\(seen["live_alert"] ?? "")")
        #expect(seen["estop_by_keyboard"] as? Bool == true)
        #expect(seen["confirm_by_keyboard"] as? Bool == true)
        #expect(seen["mode_after"] as? String == "manual")
        #expect((seen["resume_refused"] as? String)?.contains("signature") == true, "\(seen["resume_refused"] ?? "")")
        #expect(seen["mode_at_end"] as? String == "manual")
        #expect((seen["accessibility"] as? [String]) == [], "\(seen["accessibility"] ?? "")")
        #expect((seen["csp_violations"] as? [String]) == [], "\(seen["csp_violations"] ?? "")")
    }

    private func waitForPendingCall(_ daemon: DaemonFixture) throws -> String? {
        for _ in 0..<100 {
            let pending = try daemon.call("pending", as: "orchestrator", ["--json"])
            if let range = pending.stdout.range(of: #"pending-[0-9a-f]+"#, options: .regularExpression) {
                return String(pending.stdout[range])
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }
}
