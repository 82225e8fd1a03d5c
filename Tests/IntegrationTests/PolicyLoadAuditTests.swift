import Foundation
import SecurityTesting
import Testing

/// Which policy a daemon enforces is in the ledger, by the hash of the exact text, and a policy changed between two
/// starts is said at the second.
@Suite("policy_change at every start: the policy's hash, and a change since the previous start", .requiresRoot)
struct PolicyLoadAuditTests {
    static let first = "watcher:\n  capabilities: [\"monitor:read:events/alerts\"]\n"
    static let second = first + "aios-agent-task:\n  capabilities: []\n"

    func sha256(_ path: String) throws -> String {
        String(try BinaryRunner.run(executable: "/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }

    func loads(_ daemon: DaemonFixture) throws -> [String] {
        try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "policy_change", "--action", "policy.load",
            "--json",
        ]).stdout.split(separator: "\n").map(String.init)
    }

    @Test("each start records the hash it parsed; an edit between starts is a medium-risk entry naming both")
    func loadsAreRecorded() throws {
        let daemon = try DaemonFixture(policy: Self.first)
        let path = daemon.directory + "/policy.yaml"
        let firstHash = try sha256(path)
        var recorded = try loads(daemon)
        #expect(recorded.count == 1)
        #expect(recorded.first?.contains(#""sha256":"\#(firstHash)""#) == true, "\(recorded)")
        #expect(recorded.first?.contains(#""risk_level":"low""#) == true)
        #expect(recorded.first?.contains(#""target":"\#(path)""#) == true)

        try Self.second.write(toFile: path, atomically: true, encoding: .utf8)
        try daemon.restart()
        recorded = try loads(daemon)
        #expect(recorded.count == 2)
        let changed = recorded.last ?? ""
        #expect(changed.contains(#""sha256":"\#(try sha256(path))""#))
        #expect(changed.contains(#""previous_sha256":"\#(firstHash)""#))
        #expect(changed.contains(#""risk_level":"medium""#), "\(changed)")

        try daemon.restart()
        #expect(try loads(daemon).last?.contains(#""risk_level":"low""#) == true, "an unchanged policy is routine")
    }
}
