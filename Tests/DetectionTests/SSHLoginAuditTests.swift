import Audit
import Capabilities
import Policy
import SecurityTesting
import Testing

@testable import Detection

/// Successful SSH logins reach the ledger with their key, not only failures; a flood of them is bounded.
@Suite("SSH logins: accepted ones recorded as authentication, with the key's fingerprint")
struct SSHLoginAuditTests {
    static let prefix = "2026-06-01T00:01:11.023625+00:00 aios-gw sshd[4242]: "
    let audit = RecordingAudit()

    func ids() -> NetworkIDS {
        NetworkIDS(
            policy: .defaults(), blocker: RecordingBlocker(), audit: audit.sink,
            clock: ManualClock(.seconds(1_800_000_000)))
    }

    @Test("a key login names the user, source, key type and fingerprint; a root login is medium risk")
    func keyLogin() throws {
        let ids = ids()
        ids.ingest(
            line: Self.prefix + "Accepted publickey for alice from 10.0.0.5 port 5555 ssh2: ED25519 SHA256:fVAFx")
        ids.ingest(line: Self.prefix + "Accepted password for root from 10.0.0.6 port 6666 ssh2")
        ids.ingest(line: Self.prefix + "Failed password for bob from 10.0.0.7 port 7777 ssh2")
        let logins = audit.entries.filter { $0.eventType == .authentication }
        #expect(logins.count == 2)
        let alice = try #require(logins.first)
        #expect(alice.action == "ssh.login" && alice.target == "alice" && alice.result == .success)
        #expect(alice.riskLevel == .low)
        #expect(alice.details["key_fingerprint"]?.stringValue == "SHA256:fVAFx")
        #expect(alice.details["key_type"]?.stringValue == "ED25519")
        #expect(alice.details["source"]?.stringValue == "10.0.0.5")
        #expect(alice.details["sshd_pid"] == .integer(4242))
        let root = try #require(logins.last)
        #expect(root.riskLevel == .medium && root.details["method"]?.stringValue == "password")
        #expect(root.details["key_fingerprint"] == nil)
    }

    @Test("logins waiting for the ledger are bounded; the rest are counted, never silently lost")
    func boundedWhenNotTaken() {
        var rules = DetectionRules(policy: .defaults(), classicYear: 2026)
        var line = Self.prefix + "Accepted publickey for alice from 10.0.0.5 port 5555 ssh2: ED25519 SHA256:x"
        for _ in 0..<(DetectionRules.maximumPendingLogins + 10) {
            _ = line.withUTF8 { rules.ingestAuthLine($0, receivedAt: .seconds(1_800_000_000)) }
        }
        #expect(rules.takeAcceptedLogins().count == DetectionRules.maximumPendingLogins)
        #expect(rules.counts.droppedLogins == 10)
        #expect(rules.takeAcceptedLogins().isEmpty)
    }
}
