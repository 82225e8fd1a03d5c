import Foundation
import SecurityTesting
import Testing

/// A real daemon's web console and a headless Chromium to drive it (Debian's `chromium`, through `chromium-driver`,
/// by Selenium from PyPI), trusting exactly the daemon's server key. Each scenario is a script
/// `Tests/Console/browser_NAME.py` built on `console_browser.py`; screenshots go to `.build/console-screenshots/`.
struct ConsoleBrowser {
    let daemon: DaemonFixture
    /// `HOST:PORT` of the console.
    let address: String

    init(daemon: DaemonFixture) throws {
        self.daemon = daemon
        address = try #require(Self.consoleAddress(state: daemon.state), "the console never started")
    }

    /// A fresh one-time login link for `operator`, made the way an operator makes one on the machine.
    func loginLink(operator name: String) throws -> String {
        let login = try BinaryRunner.run(["console", "login", "--operator", name, "--state-dir", daemon.state])
        #expect(login.status == 0, "\(login.stderr)")
        return login.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `browser_SCENARIO.py` logged in (or not) with `link`; what the script saw, as its JSON object. The
    /// browser runs in the daemon's network namespace when it has one (its console listens on that loopback).
    func run(scenario: String, link: String, extra: [String] = []) throws -> [String: Any] {
        let screenshots = BinaryRunner.repositoryRoot.appendingPathComponent(".build/console-screenshots").path
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let root = BinaryRunner.repositoryRoot
        let python = try Self.shell("'\(root.appendingPathComponent("Tests/Console/venv.sh").path)'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let script = root.appendingPathComponent("Tests/Console/browser_\(scenario).py").path
        let arguments =
            [
                python, script, "https://\(address)", link,
                try Self.spkiHash(certificate: daemon.identity("aios-sec") + "/cert.pem"), screenshots,
            ] + extra
        let inNamespace = daemon.namespace.map { ["ip", "netns", "exec", $0] } ?? []
        let output = try Self.shell((inNamespace + arguments).map { "'\($0)'" }.joined(separator: " "))
        return try #require(
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    /// `HOST:PORT` the daemon's console listens on, once it does (nil after 30 s).
    static func consoleAddress(state: String) -> String? {
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
    private static func spkiHash(certificate: String) throws -> String {
        let pipeline =
            "openssl x509 -in '\(certificate)' -pubkey -noout | openssl pkey -pubin -outform der "
            + "| openssl dgst -sha256 -binary | base64"
        return try shell(pipeline).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func shell(_ command: String) throws -> String {
        let result = try BinaryRunner.run(executable: "/bin/bash", ["-o", "pipefail", "-c", command])
        guard result.status == 0 else {
            // The command may carry kilobytes of arguments: its first 200 characters say which it was.
            throw ShellFailure(description: "\(command.prefix(200))…: exit \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    struct ShellFailure: Error, CustomStringConvertible { let description: String }
}
