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
    /// The agent's program: CONNECT through `$HTTPS_PROXY` to each target given, a line through when allowed; then
    /// a direct connection around the proxy. Prints one line per attempt.
    static let program = """
        import os, socket, sys
        proxy = os.environ['HTTPS_PROXY'].rsplit(':', 1)
        for target in sys.argv[1:]:
            s = socket.create_connection((proxy[0].split('//')[1], int(proxy[1])), timeout=5)
            s.sendall(b'CONNECT ' + target.encode() + b' HTTP/1.1\\r\\n\\r\\n')
            head = b''
            while b'\\r\\n\\r\\n' not in head:
                chunk = s.recv(1)
                if not chunk: break
                head += chunk
            status = head.split(b' ')[1].decode()
            if status == '200':
                s.sendall(b'hi\\n')
                print(target, status, s.recv(100).decode().strip(), flush=True)
            else:
                print(target, status, flush=True)
        try:
            socket.create_connection(('10.98.0.2', 8443), timeout=2)
            print('direct connected')
        except OSError as error:
            print('direct', error.strerror)
        """

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
            resolve: { host, port in
                guard host == "api.test" || host == "other.test" else { throw EgressRefusal.noUsableAddress(host) }
                return [try SocketAddress(ipAddress: "10.98.0.2", port: port)]
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
        defer { removeEgressTestCgroupParent() }
        let output = Pipe()
        let agent = try spawner.spawn(
            agent: "worker",
            command: ["/usr/bin/python3", "-c", Self.program, "api.test:8443", "other.test:8443", "api.test:9000"],
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

private func removeEgressTestCgroupParent() {
    guard let layout = try? CgroupLayout.detect() else { return }
    switch layout {
    case .v2(let root): rmdir(root + "/aios-test-\(getpid())")
    case .v1(let controllers): for directory in controllers.values { rmdir(directory + "/aios-test-\(getpid())") }
    }
}
