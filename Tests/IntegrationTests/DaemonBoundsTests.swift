import Foundation
import Testing

/// Issue 12, point 8: unbounded input reached the ledger (15 MiB agents, ids and reasons; 3,000 refused self-grants
/// in 1.7 s, each recorded). Every request field now has a limit checked before anything is recorded, and every
/// RPC is rate-limited per identity.
@Suite("aios-sec serve: bounded request fields and per-identity rate budgets")
struct DaemonBoundsTests {
    @Test("15 MiB fields are refused by name and size, self-grant floods are cut off, and the ledger stays small")
    func unboundedInput() throws {
        let daemon = try DaemonFixture()
        defer { daemon.stop() }
        let seen = try runGRPCPython("oversized-calls.py", [daemon.address, daemon.state + "/identities"])
        #expect(seen["oversized"] as? [String] == Array(repeating: "INVALID_ARGUMENT", count: 7), "\(seen)")
        let messages = seen["messages"] as? [String] ?? []
        #expect(messages.first == "the field 'agent' holds 15728640 bytes; the limit is 256", "\(messages)")
        #expect(messages.contains("the field 'pending_id' holds 15728640 bytes; the limit is 256"))
        #expect(messages.contains("the field 'grant_id' holds 15728640 bytes; the limit is 256"))
        #expect(messages.contains("the field 'reason' holds 15728640 bytes; the limit is 4096"))
        #expect(!messages.joined().contains("aaaa"), "the value is never echoed")

        // The management budget is 20 calls a second with a burst of 100: the burst and what refilled while the
        // flood lasted reach the handler (and are recorded as refused grants); the rest are refused before it.
        let grants = seen["self_grants"] as? [String: Int] ?? [:]
        let seconds = seen["self_grant_seconds"] as? Double ?? 0
        let budget = 100 + Int(20 * seconds.rounded(.up))
        #expect(grants["PERMISSION_DENIED", default: 0] >= 100, "the burst reaches the handler: \(grants)")
        #expect(grants["PERMISSION_DENIED", default: 0] <= budget, "\(grants) in \(seconds) s")
        #expect(grants["RESOURCE_EXHAUSTED", default: 0] >= 3000 - budget, "\(grants) in \(seconds) s")
        #expect(grants["OK"] == nil)
        #expect(daemon.stop() == 0)

        let ledger = daemon.state + "/audit"
        let bytes = try FileManager.default.subpathsOfDirectory(atPath: ledger).reduce(0) { total, file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: ledger + "/" + file)
            return total + ((attributes?[.size] as? Int) ?? 0)
        }
        #expect(bytes < 8 << 20, "the ledger holds \(bytes) bytes (unbounded: 147 MiB)")
        let alerts = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "security_alert", "--json", "--limit", "10000",
        ])
        let lines = alerts.stdout.split(separator: "\n")
        #expect(alerts.stdout.contains("request field over its limit") && alerts.stdout.contains("15728640"))
        #expect(alerts.stdout.contains("\"refusals\":"), "the repeated refusals are summarised: \(alerts.stdout)")
        #expect(lines.count <= 12, "a few entries, not one per refusal: \(lines.count)")
        let all = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "aios-agent-task", "--json", "--limit", "10000",
        ])
        let recorded = all.stdout.split(separator: "\n").count
        #expect(recorded <= budget + 20, "entries of the flooding agent: \(recorded) (unbounded: 3,000)")
    }
}

@Suite("aios-sec serve: refused TLS handshakes are recorded per source, aggregated")
struct DaemonHandshakeRefusalTests {
    @Test("20 handshakes with a certificate of another CA: one entry in full, one summary with the count")
    func foreignCertificate() throws {
        let daemon = try DaemonFixture()
        defer { daemon.stop() }
        let stranger = daemon.directory + "/stranger"
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(
            to: URL(fileURLWithPath: daemon.directory + "/k"))
        let vault = "aios:vault:test-\(UUID().uuidString)"
        defer { _ = try? BinaryRunner.run(["secrets", "forget", "--vault", vault]) }
        for step in [
            ["ca", "init", "--state-dir", stranger, "--key-file", daemon.directory + "/k", "--vault", vault],
            [
                "ca", "issue", "--identity", "spiffe://aios.local/service/orchestrator", "--out", stranger + "/id",
                "--state-dir", stranger, "--vault", vault,
            ],
        ] {
            #expect(try BinaryRunner.run(step).status == 0)
        }
        // The client trusts the daemon (our bundle); the daemon does not trust the client's CA.
        try FileManager.default.removeItem(atPath: stranger + "/id/bundle.pem")
        try FileManager.default.copyItem(
            atPath: daemon.identity("orchestrator") + "/bundle.pem", toPath: stranger + "/id/bundle.pem")
        let seen = try runGRPCPython("refused-calls.py", [daemon.address, stranger + "/id", "20", "4"])
        #expect(seen["OK"] == nil && seen["NOT_STARTED"] == nil, "\(seen)")
        #expect(daemon.stop() == 0)
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "authentication", "--json",
        ])
        let entries = audit.stdout.split(separator: "\n")
        #expect(entries.count == 2, "\(audit.stdout)")
        #expect(audit.stdout.contains("TLS handshake failed") && audit.stdout.contains("\"refusals\":20"))
    }
}
