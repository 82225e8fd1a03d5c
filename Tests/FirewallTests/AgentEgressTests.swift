import Agents
import Audit
import Foundation
import NIOCore
import Policy
import Sandbox
import Secrets
import SecurityTesting
import Synchronization
import Testing

@testable import Firewall

extension EgressListeners: AgentEgressProvider {}

/// A confined agent (its own namespaces, uid, Landlock, seccomp) started with an egress listener: its plain code,
/// reading only the standard proxy variable, reaches the allowed name, and nothing else.
@Suite("Egress for a confined agent", .serialized, .requiresRoot("namespaces, cgroups, another uid"))
struct AgentEgressTests {
    @Test func theAgentsPlainCodeReachesTheAllowedNameOnly() async throws {
        let network = try TestNetwork()
        defer { network.close() }
        try network.start(network.ext, script: "echo.py", ["10.98.0.2", "8443"])
        let outbound = try NamespaceThread(.named(network.fw))
        let proxy = try EgressProxy(
            outbound: outbound,
            authorize: { agent, destination in
                agent == "worker" && destination.description == "api.test:8443"
                    ? .allow(capability: "net:connect:api.test:8443") : .deny(missing: "net:connect:\(destination)")
            },
            resolve: { host, loop in
                loop.makeCompletedFuture {
                    guard host == "api.test" || host == "other.test" else { throw EgressRefusal.noUsableAddress(host) }
                    return [IPAddress("10.98.0.2")!]
                }
            },
            record: { _ in })
        defer { proxy.shutdown() }
        let listeners = EgressListeners(proxy: proxy, port: 3128)
        let policy = try SecurityPolicy.parse(
            yaml: """
                worker:
                  capabilities: ["net:connect:api.test:8443"]
                agents:
                  worker: {roles: [worker], uid: 61981}
                """, file: "egress-agent.yaml")
        let vault = try KeyringVault.openOrCreate(name: "aios-test-egress-\(getpid())")
        defer { try? vault.destroy() }
        let spawner = AgentSpawner(
            policy: policy, vault: vault,
            confinement: AgentSpawner.Confinement(
                layout: try CgroupLayout.detect(), cgroupParent: "aios-test-\(getpid())", daemonSocket: nil,
                egress: listeners),
            action: "test.spawn", audit: { _ in })
        defer { removeTestCgroup("aios-test-\(getpid())") }
        let output = Pipe()
        let agent = try spawner.spawn(
            agent: "worker",
            command: [
                "/usr/bin/python3", "-c", EgressTestPrograms.agentClient, "--direct", "10.98.0.2:8443", "api.test:8443",
                "other.test:8443", "api.test:9000",
            ],
            stdio: .init(
                output: output.fileHandleForWriting.fileDescriptor,
                error: output.fileHandleForWriting.fileDescriptor))
        try output.fileHandleForWriting.close()
        #expect(listeners.agents == ["worker"])
        let status = agent.wait()
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        #expect(status == 0, "\(lines)")
        #expect(
            lines == [
                "api.test:8443 200 api:hi", "other.test:8443 403", "api.test:9000 403", "direct Network is unreachable",
            ], "\(lines)")
        spawner.withdrawIdentity(of: "worker")
        #expect(listeners.agents.isEmpty)
    }
}
