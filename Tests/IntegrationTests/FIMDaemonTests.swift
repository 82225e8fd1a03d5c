import Foundation
import SecurityTesting
import Testing

/// `serve --fim` end to end: the real daemon, the real Broker, the real kernel events.
@Suite("File integrity watch in the daemon", .requiresRoot("fanotify, the keyring vault, the Broker's Landlock"))
struct FIMDaemonTests {
    @Test("a Broker write for an allowed call is authorized; a write by another process is an unauthorized change")
    func brokerWriteIsAuthorized() throws {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("aios-fim-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tree) }
        try "listen 80\n".write(toFile: tree + "/app.conf", atomically: false, encoding: .utf8)
        let vault = "aios:vault:test-\(UUID().uuidString)"
        let daemon = try DaemonFixture(
            extraArguments: ["--fim"],
            policy: """
                aios-agent-system:
                  capabilities: [fs:write:\(tree)/*, fs:read:\(tree)/*]
                """, vault: vault,
            prepare: { state in
                let initialized = try BinaryRunner.run([
                    "fim", "init", "--state-dir", state, "--vault", vault, "--watch", tree, "--quiet",
                ])
                guard initialized.status == 0 else {
                    throw DaemonFixture.FixtureError(message: "fim init: \(initialized.stderr)")
                }
            })
        let wrote = try daemon.call(
            "exec", as: "aios-agent-system",
            ["--tool", "fs.write", "--arg", "path=\(tree)/app.conf", "--arg", "content=listen 8080\n"])
        #expect(wrote.status == 0, "\(wrote.stdout) \(wrote.stderr)")
        // The same kind of write, by this test process: not the Broker.
        try "listen 9090\n".write(toFile: tree + "/other.conf", atomically: false, encoding: .utf8)
        var alerts: [Substring] = []
        let deadline = Date() + 60
        while Date() < deadline {
            let audit = try BinaryRunner.run([
                "audit", "query", "--state-dir", daemon.state, "--type", "security_alert", "--json",
            ])
            alerts = audit.stdout.split(separator: "\n").filter { $0.contains(#""action":"fim."#) }
            if alerts.contains(where: { $0.contains(#""target":"\#(tree)/other.conf""#) }) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(alerts.contains { $0.contains(#""target":"\#(tree)/other.conf""#) }, "\(alerts)")
        #expect(!alerts.contains { $0.contains("app.conf") }, "the Broker's write is not an alert: \(alerts)")
        let modifications = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "file_modification", "--json",
        ])
        let lines = modifications.stdout.split(separator: "\n")
        #expect(
            lines.contains { $0.contains(#""target":"\#(tree)/other.conf""#) && $0.contains(#""authorized":false"#) })
        // The Broker's own entry is its one record of the write (the watch adds none).
        #expect(lines.filter { $0.contains("app.conf") }.count == 1, "\(lines)")
        // The events API's files: the Broker's entry, the watch's observation naming it, and the unauthorized one.
        let events = try BinaryRunner.run([
            "events", "files", "--json", "--server", daemon.address, "--identity", daemon.identity("orchestrator"),
        ])
        #expect(events.status == 0, "\(events.stderr)")
        let observed = events.stdout.split(separator: "\n").filter { $0.contains("app.conf") }
        #expect(observed.contains { $0.contains(#""authorized":true"#) && $0.contains(#""audit_id":"#) }, "\(observed)")
        #expect(events.stdout.contains("other.conf"))
    }
}
