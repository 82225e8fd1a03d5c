import Foundation
import SecurityTesting
import Testing

/// The web console of a real daemon in a real browser: headless Chromium (Debian's `chromium`, driven through
/// `chromium-driver` by Selenium from PyPI), trusting exactly the daemon's server key. Screenshots of each page go
/// to `.build/console-screenshots/`.
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
        let address = try #require(try waitForConsoleAddress(state: daemon.state))
        let login = try BinaryRunner.run(["console", "login", "--operator", "alice", "--state-dir", daemon.state])
        #expect(login.status == 0, "\(login.stderr)")
        let link = login.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(link.hasPrefix("https://\(address)/login?token="))
        let screenshots = BinaryRunner.repositoryRoot.appendingPathComponent(".build/console-screenshots").path
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let seen = try runBrowser([
            "https://\(address)", link, try spkiHash(certificate: daemon.identity("aios-sec") + "/cert.pem"),
            screenshots,
        ])
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

    private func waitForConsoleAddress(state: String) throws -> String? {
        for _ in 0..<300 {
            if let text = try? String(contentsOfFile: state + "/console/address", encoding: .utf8) {
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }

    /// base64(SHA-256(SubjectPublicKeyInfo)) of the certificate: what Chromium's
    /// `--ignore-certificate-errors-spki-list` trusts (this key only, not any certificate).
    private func spkiHash(certificate: String) throws -> String {
        let pipeline =
            "openssl x509 -in '\(certificate)' -pubkey -noout | openssl pkey -pubin -outform der "
            + "| openssl dgst -sha256 -binary | base64"
        return try shell(pipeline).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func runBrowser(_ arguments: [String]) throws -> [String: Any] {
        let root = BinaryRunner.repositoryRoot
        let python = try shell("'\(root.appendingPathComponent("Tests/Console/venv.sh").path)'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let script = root.appendingPathComponent("Tests/Console/browser.py").path
        let output = try shell(([python, script] + arguments).map { "'\($0)'" }.joined(separator: " "))
        return try #require(
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    private func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-o", "pipefail", "-c", command]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ShellFailure(description: "\(command): exit \(process.terminationStatus): \(problems)")
        }
        return text
    }

    struct ShellFailure: Error, CustomStringConvertible { let description: String }
}
