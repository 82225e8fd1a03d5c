import Foundation
import Sandbox
import SecurityTesting
import Testing

@testable import Secrets

/// A vault with secrets, torn down afterwards.
final class VaultFixture {
    let vault: KeyringVault

    init(_ secrets: [String: String]) throws {
        let vault = try KeyringVault.openOrCreate(name: "aios:vault:test-\(UUID().uuidString)")
        self.vault = vault
        for (name, value) in secrets {
            var bytes = Array(value.utf8)
            try vault.store(name, SecretBytes(consuming: &bytes))
        }
    }

    deinit { try? vault.destroy() }
}

/// Runs `script` with /bin/sh as `uid` in a new session keyring holding `ring`; returns status and output.
func runAsAgent(_ script: String, uid: UInt32, ring: AgentKeyring) throws -> (status: Int32, output: String) {
    let output = Pipe()
    let child = try PendingProcess(
        LaunchSpec(
            executable: "/bin/sh", arguments: ["sh", "-c", script], environment: ["PATH=/usr/bin:/bin"],
            identity: (uid, uid), ownSessionKeyring: true, standardInput: nil,
            standardOutput: output.fileHandleForWriting.fileDescriptor,
            standardError: output.fileHandleForWriting.fileDescriptor))
    try ring.link(into: KeySerial(rawValue: child.sessionKeyring))
    try child.release()
    try output.fileHandleForWriting.close()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (child.wait(), text)
}

@Suite("Per-agent copies in the agent's own session keyring")
struct AgentHandoffTests {
    static let agentUID: UInt32 = 61_777

    @Test(
        "a real child process reads exactly its copies and cannot change them or reach a master",
        .requiresRoot("the agent runs as its own uid"))
    func handOff() throws {
        let fixture = try VaultFixture(["anthropic-api-key": "sk-ant-CANARY-A", "openai-api-key": "sk-oai-CANARY-B"])
        let ring = try AgentKeyring.openOrCreate(agent: "agent-\(UUID().uuidString.prefix(8))", in: fixture.vault)
        let copies = try ring.provide(["anthropic-api-key"], from: fixture.vault, ttl: { _ in nil })
        let master = try #require(try fixture.vault.list().first { $0.name == "openai-api-key" }?.serial)
        let copy = copies[0].serial
        let result = try runAsAgent(
            """
            echo "id=$(id -u)"
            echo "read=$(keyctl print %user:aios:secret:anthropic-api-key)"
            keyctl print %user:aios:secret:openai-api-key >/dev/null 2>&1 || echo "other=denied"
            keyctl print \(master) >/dev/null 2>&1 || echo "master=denied"
            keyctl update \(copy) changed >/dev/null 2>&1 || echo "update=denied"
            keyctl revoke \(copy) >/dev/null 2>&1 || echo "revoke=denied"
            keyctl setperm \(copy) 0x3f3f3f3f >/dev/null 2>&1 || echo "setperm=denied"
            keyctl add user planted x @s >/dev/null 2>&1 || echo "add=denied"
            keyctl link \(copy) @s >/dev/null 2>&1 || echo "link=denied"
            """, uid: Self.agentUID, ring: ring)
        #expect(result.status == 0)
        let lines = Set(result.output.split(separator: "\n").map(String.init))
        #expect(lines.contains("id=\(Self.agentUID)"))
        #expect(lines.contains("read=sk-ant-CANARY-A"))
        for denied in ["other", "master", "update", "revoke", "setperm", "add", "link"] {
            #expect(lines.contains("\(denied)=denied"), "\(denied) must be refused; got \(result.output)")
        }
        #expect(
            try fixture.vault.read("anthropic-api-key").withUnsafeBytes { Array($0) } == Array("sk-ant-CANARY-A".utf8))
    }

    @Test(
        "rotation updates the running agent's copy in place, re-arms its expiry, keeps a grace value only if asked",
        .requiresRoot("the agent runs as its own uid"))
    func rotation() throws {
        let fixture = try VaultFixture(["api-token": "old-CANARY"])
        let ring = try AgentKeyring.openOrCreate(agent: "agent-\(UUID().uuidString.prefix(8))", in: fixture.vault)
        let copy = try ring.provide(["api-token"], from: fixture.vault, ttl: { _ in 3600 })[0].serial
        var fresh = Array("new-CANARY".utf8)
        let outcome = try SecretRotation.rotate(
            "api-token", to: SecretBytes(consuming: &fresh), in: fixture.vault, graceSeconds: 600,
            copyTTLSeconds: 3600)
        #expect(outcome.agents == [ring.agent])
        #expect(ring.copy(of: "api-token") == copy, "same serial: holders see the new value at once")
        #expect(try Keyring.read(copy).withUnsafeBytes { Array($0) } == Array("new-CANARY".utf8))
        #expect(try keyTimeout(copy) != "perm", "the update cleared the expiry; rotation re-armed it")
        let previous = try #require(ring.copy(of: "api-token@previous"))
        #expect(try Keyring.read(previous).withUnsafeBytes { Array($0) } == Array("old-CANARY".utf8))
        #expect(try keyTimeout(previous) != "perm")
        let seen = try runAsAgent(
            "keyctl print %user:aios:secret:api-token; keyctl print %user:aios:secret:api-token@previous",
            uid: Self.agentUID, ring: ring)
        #expect(seen.output == "new-CANARY\nold-CANARY\n")

        var third = Array("third".utf8)
        _ = try SecretRotation.rotate(
            "api-token", to: SecretBytes(consuming: &third), in: fixture.vault, graceSeconds: nil, copyTTLSeconds: nil)
        #expect(ring.copy(of: "api-token@previous") == nil, "without a grace period the old value is gone at once")
        #expect(try fixture.vault.list().map(\.name) == ["api-token"])
    }

    @Test("a child that cannot exec reports the failing step and nothing runs")
    func execFailure() throws {
        let child = try PendingProcess(
            LaunchSpec(
                executable: "/nonexistent/program", arguments: ["x"], environment: [], identity: nil,
                ownSessionKeyring: true))
        #expect(child.sessionKeyring > 0)
        #expect(throws: LaunchError(step: "exec", errno: ENOENT)) { try child.release() }
        #expect(child.wait() == 127)
    }

    /// The timeout column of /proc/keys for a key ("perm" when none).
    private func keyTimeout(_ key: KeySerial) throws -> String {
        // /proc/keys prints serials as %08x.
        let digits = String(UInt32(bitPattern: key.rawValue), radix: 16)
        let hex = String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        let table = try String(contentsOfFile: "/proc/keys", encoding: .utf8)
        let line = try #require(
            table.split(separator: "\n").first { $0.hasPrefix(hex + " ") })
        return String(line.split(separator: " ", omittingEmptySubsequences: true)[3])
    }
}
