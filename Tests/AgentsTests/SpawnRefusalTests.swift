import Audit
import Foundation
import Policy
import Sandbox
import Secrets
import SecurityTesting
import Testing

@testable import Agents

@Suite("Spawns refused by the view builder are recorded", .serialized)
struct SpawnRefusalTests {
    @Test(
        "a bind through a planted symbolic link: not started, and the ledger says which mount and why",
        .requiresRoot("namespaces and cgroups"))
    func plantedLink() throws {
        let base = "/var/tmp/aios-refusal-\(getpid())"
        try FileManager.default.createDirectory(atPath: base + "/w", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/X", withIntermediateDirectories: true)
        // What the agent did on an earlier run under fs:write:W/*.
        try FileManager.default.createSymbolicLink(atPath: base + "/w/sub", withDestinationPath: "..")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let audit = RecordedAudit()
        let policy = try SecurityPolicy.parse(
            yaml: """
                worker:
                  capabilities: [fs:write:\(base)/w/*, fs:read:\(base)/w/sub/X/*]
                agents:
                  worker: {roles: [worker], uid: 61980}
                """, file: "test.yaml")
        let vault = try KeyringVault.openOrCreate(name: "aios-test-refusal-\(getpid())")
        defer { try? vault.destroy() }
        let spawner = AgentSpawner(
            policy: policy, vault: vault,
            confinement: AgentSpawner.Confinement(
                layout: try CgroupLayout.detect(), cgroupParent: "aios-test-\(getpid())", daemonSocket: nil),
            action: "test.spawn", audit: audit.sink)
        defer { removeTestCgroupParent() }
        #expect {
            _ = try spawner.spawn(agent: "worker", command: ["/bin/true"])
        } throws: { error in
            "\(error)".contains("\(base)/w/sub/X") && "\(error)".contains("symbolic links")
        }
        let spawns = audit.all.filter { $0.eventType == .agentSpawn }
        #expect(spawns.count == 1 && spawns.first?.draft.result == .failure, "recorded as refused, never as started")
        let refusal = spawns.first
        let reason: String? = {
            guard case .object(let fields)? = refusal?.details else { return nil }
            guard case .string(let text)? = fields.first(where: { $0.key == "reason" })?.value else { return nil }
            return text
        }()
        #expect(reason?.contains("\(base)/w/sub/X") == true, "\(String(describing: reason))")
    }
}
