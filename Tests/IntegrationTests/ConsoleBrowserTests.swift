import Foundation
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
        let seen = try console.run(scenario: "emergency", link: link)
        #expect(seen["no_session_heading"] as? String == "Log in")
        #expect(seen["no_session_has_estop"] as? Bool == false)
        #expect(seen["overview_heading"] as? String == "Overview")
        #expect(seen["mode_before"] as? String == "autonomous")
        let cookie = try #require(seen["cookie"] as? [String: Any])
        #expect(cookie["httpOnly"] as? Bool == true)
        #expect(cookie["secure"] as? Bool == true)
        #expect(cookie["sameSite"] as? String == "Strict")
        #expect(cookie["script_sees_it"] as? Bool == false)
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
