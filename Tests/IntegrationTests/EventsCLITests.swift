import Foundation
import Glibc
import SecurityTesting
import Testing

/// `aios-sec events` against the real daemon: who may read, what an agent's oversized request leaves behind, and a
/// follower that sees a new alert as it is recorded.
@Suite("aios-sec events: recent host events from the daemon, and following them", .requiresRoot)
struct EventsCLITests {
    func events(_ daemon: DaemonFixture, as identity: String, _ arguments: [String]) throws -> BinaryRunner.Output {
        try BinaryRunner.run(
            ["events"] + arguments + ["--server", daemon.address, "--identity", daemon.identity(identity)])
    }

    @Test("the orchestrator reads alerts; an agent without monitor:read may not; a bad kind is refused")
    func readAlerts() throws {
        let daemon = try DaemonFixture()
        let refused = try events(daemon, as: "aios-agent-task", ["alerts"])
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("monitor:read:events/alerts"))
        let unknown = try events(daemon, as: "orchestrator", ["logins"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("network, files, processes, alerts"))

        // An agent's oversized request is refused before any handler reads it, and recorded as an alert.
        let oversized = try events(daemon, as: "aios-agent-security", [String(repeating: "k", count: 100)])
        #expect(oversized.status != 0)
        let listed = try events(daemon, as: "orchestrator", ["alerts", "--last", "10m", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let alert = listed.stdout.split(separator: "\n").first { $0.contains(#""target":"kind""#) }
        #expect(alert?.contains(#""agent":"aios-agent-security""#) == true, "\(listed.stdout)")
        #expect(alert?.contains(#""id":"audit-"#) == true, "an alert is the ledger's entry, with its id")

        let byTheSecurityAgent = try events(daemon, as: "aios-agent-security", ["alerts"])
        #expect(byTheSecurityAgent.status == 0, "the security role holds monitor:*: \(byTheSecurityAgent.stderr)")
        #expect(byTheSecurityAgent.stdout.contains("security_alert"))
    }

    @Test("--follow prints the earlier alerts, then one recorded after it started, each once")
    func follow() throws {
        let daemon = try DaemonFixture()
        let output = daemon.directory + "/follow.jsonl"
        FileManager.default.createFile(atPath: output, contents: nil)
        let follower = Process()
        BinaryRunner.configure(
            follower,
            [
                "events", "alerts", "--follow", "--json", "--server", daemon.address, "--identity",
                daemon.identity("orchestrator"),
            ],
            namespace: nil)
        follower.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        follower.standardError = FileHandle.nullDevice
        try follower.run()
        defer {
            kill(follower.processIdentifier, SIGKILL)
            follower.waitUntilExit()
        }
        // An alert from before: once the follower has printed it, its stream is open (the earlier events are read
        // after the stream opens).
        _ = try events(daemon, as: "aios-agent-security", [String(repeating: "k", count: 100)])
        var seen = ""
        for _ in 0..<120 where !seen.contains(#""target":"kind""#) {
            Thread.sleep(forTimeInterval: 0.25)
            seen = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }
        #expect(seen.contains(#""target":"kind""#), "the earlier alert first: \(seen)")
        _ = try events(daemon, as: "aios-agent-security", ["alerts", "--last", String(repeating: "9", count: 100)])
        for _ in 0..<120 where !seen.contains(#""target":"since""#) {
            Thread.sleep(forTimeInterval: 0.25)
            seen = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }
        #expect(seen.contains(#""target":"since""#), "the follower saw the alert: \(seen)")
        #expect(follower.isRunning, "following does not end by itself")
        #expect(seen.components(separatedBy: #""target":"kind""#).count == 2, "no alert twice: \(seen)")
    }

    @Test("a follower whose grant is revoked is cut off at the next event, not served until it disconnects")
    func revokedFollowerIsCutOff() throws {
        let daemon = try DaemonFixture(
            policy: """
                watcher:
                  capabilities: []
                  grant_ceiling:
                    allow: ["monitor:read:*"]
                """)
        let granted = try daemon.call(
            "grant", as: "orchestrator",
            ["--agent", "watcher", "--capability", "monitor:read:events/alerts", "--duration", "10m", "--reason", "t"])
        #expect(granted.status == 0, "\(granted.stderr)")
        let grant = try #require(granted.stdout.firstMatch(of: /grant-[0-9a-z-]+/).map { String($0.0) })
        let follower = try BackgroundCall(
            [
                "events", "alerts", "--follow", "--json", "--last", "10m", "--server", daemon.address, "--identity",
                daemon.identity("watcher"),
            ])
        Thread.sleep(forTimeInterval: 2)
        #expect(try daemon.call("revoke", as: "orchestrator", ["--grant-id", grant]).status == 0)
        // A new alert (an oversized request) is the next event the follower would be sent.
        _ = try events(daemon, as: "orchestrator", [String(repeating: "r", count: 100)])
        let ended = follower.finish(killingAfter: 60)
        #expect(ended.status == 77, "\(ended.stdout) \(ended.stderr)")
        #expect(ended.stderr.contains("may no longer read alerts events"))
        #expect(!ended.stdout.contains(#""target":"kind""#), "the alert after the revocation was not sent")
    }
}

extension EventsCLITests {
    @Test("a follower whose certificate is revoked is cut off at the next event, not served until it disconnects")
    func revokedCertificateIsCutOff() throws {
        let daemon = try DaemonFixture()
        let follower = try BackgroundCall(
            [
                "events", "alerts", "--follow", "--json", "--last", "10m", "--server", daemon.address, "--identity",
                daemon.identity("orchestrator"),
            ])
        Thread.sleep(forTimeInterval: 2)
        let revoked = try BinaryRunner.run([
            "ca", "revoke", "--identity", "spiffe://aios.local/service/orchestrator", "--state-dir", daemon.state,
            "--vault", daemon.vault,
        ])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        // The daemon reads the revocation list within a second or two; the alert after that is the next event.
        Thread.sleep(forTimeInterval: 3)
        _ = try events(daemon, as: "aios-agent-security", [String(repeating: "r", count: 100)])
        let ended = follower.finish(killingAfter: 60)
        #expect(ended.status == 77, "\(ended.stdout) \(ended.stderr)")
        #expect(ended.stderr.contains("revoked"), "\(ended.stderr)")
        #expect(!ended.stdout.contains(#""target":"kind""#), "the alert after the revocation was not sent")
    }
}
