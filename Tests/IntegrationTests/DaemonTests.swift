import Foundation
import Testing

@Suite("aios-sec serve and aios-sec call", .serialized)
struct DaemonTests {
    @Test("the newcomer's session: grant, write through the Broker, denial for /etc/passwd, all in the ledger")
    func firstSession() throws {
        let daemon = try DaemonFixture()
        let demo = daemon.directory + "/demo"
        try FileManager.default.createDirectory(atPath: demo, withIntermediateDirectories: true)
        let status = try daemon.call("status", as: "orchestrator")
        #expect(status.stdout.contains("caller spiffe://aios.local/service/orchestrator"), "\(status.stderr)")

        let grant = try daemon.call(
            "grant", as: "orchestrator",
            [
                "--agent", "aios-agent-task", "--capability", "fs:write:\(demo)/*", "--duration", "10m", "--reason",
                "demo", "--task-id", "task-7",
            ])
        #expect(grant.status == 0, "\(grant.stderr)")
        let write = try daemon.call(
            "exec", as: "aios-agent-task",
            ["--tool", "fs.write", "--arg", "path=\(demo)/hello.txt", "--arg", "content=hello", "--json"])
        #expect(write.status == 0, "\(write.stderr)")
        #expect(write.stdout.contains("\"bytes_written\":\"5\""))
        #expect(try String(contentsOfFile: demo + "/hello.txt", encoding: .utf8) == "hello")
        let denied = try daemon.call(
            "exec", as: "aios-agent-task", ["--tool", "fs.write", "--arg", "path=/etc/passwd", "--arg", "content=x"])
        #expect(denied.status == 1)
        #expect(denied.stdout.hasPrefix("denied: fs:write:/etc/passwd"))

        let audit = try BinaryRunner.run(["audit", "query", "--state-dir", daemon.state, "--json"])
        let lines = audit.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("\"event_type\":\"capability_grant\"") && $0.contains("task-7") })
        #expect(lines.contains { $0.contains("\"action\":\"fs.write\"") && $0.contains("\"bytes_written\":5") })
        #expect(lines.contains { $0.contains("/etc/passwd") && $0.contains("\"result\":\"denied\"") })

        let verified = try daemon.call("verify", as: "operator-admin", ["--json"])
        #expect(verified.stdout.contains("\"intact\":true"), "\(verified.stderr)")
        let byAgent = try daemon.call("verify", as: "aios-agent-task")
        #expect(byAgent.status == 77, "agents without audit:query cannot read the ledger")
        let completed = try daemon.call("complete-task", as: "orchestrator", ["--task-id", "task-7"])
        #expect(completed.stdout.hasPrefix("revoked 1 grant(s)"))
        let after = try daemon.call(
            "exec", as: "aios-agent-task",
            ["--tool", "fs.write", "--arg", "path=\(demo)/hello.txt", "--arg", "content=again"])
        #expect(after.status == 1, "completing the task revoked the grant")
        #expect(daemon.stop() == 0, "SIGTERM shuts down gracefully")
        #expect(try BinaryRunner.run(["audit", "verify", "--state-dir", daemon.state]).status == 0)
    }

    @Test(
        "abuse: self-grant, grants by agents, unknown tools, missing arguments, symlink escapes, foreign and revoked certificates"
    )
    func abuse() throws {
        let daemon = try DaemonFixture()
        let selfGrant = try daemon.call(
            "grant", as: "aios-agent-task",
            ["--agent", "aios-agent-task", "--capability", "fs:write:/etc/*", "--duration", "1m", "--reason", "x"])
        #expect(selfGrant.status == 77)
        #expect(selfGrant.stderr.contains("no agent can grant itself"))
        let byOperator = try daemon.call(
            "grant", as: "operator-admin",
            [
                "--agent", "aios-agent-task", "--capability", "fs:read:\(daemon.directory)/data/*", "--duration", "1m",
                "--reason", "x",
            ])
        #expect(byOperator.status == 77, "only the orchestrator grants")
        let outside = try daemon.call(
            "grant", as: "orchestrator",
            ["--agent", "aios-agent-task", "--capability", "secret:read:x", "--duration", "1m", "--reason", "x"])
        #expect(outside.status == 77, "outside the task ceiling")
        let unknown = try daemon.call("exec", as: "aios-agent-system", ["--tool", "no.such.tool"])
        #expect(unknown.status == 65)
        let missing = try daemon.call("exec", as: "aios-agent-system", ["--tool", "fs.write", "--arg", "path=/etc/x"])
        #expect(missing.status == 65, "\(missing.stderr)")

        // The task agent, with no grants, is denied every tool in the catalogue.
        for tool in ["fs.read", "fs.list", "fs.mkdir", "process.list", "pkg.install", "service.stop", "secret.read"] {
            let arguments: [String] =
                switch tool {
                case "process.list": []
                case "pkg.install": ["--arg", "package=nginx"]
                case "service.stop", "secret.read": ["--arg", "name=x"]
                default: ["--arg", "path=/tmp/x"]
                }
            let result = try daemon.call("authorize", as: "aios-agent-task", ["--tool", tool] + arguments)
            #expect(result.status == 1, "\(tool): \(result.stdout)\(result.stderr)")
        }

        let base = daemon.directory + "/base"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: base + "/out", withDestinationPath: "/etc")
        _ = try daemon.call(
            "grant", as: "orchestrator",
            ["--agent", "aios-agent-task", "--capability", "fs:write:\(base)/*", "--duration", "5m", "--reason", "x"])
        let escape = try daemon.call(
            "exec", as: "aios-agent-task",
            ["--tool", "fs.write", "--arg", "path=\(base)/out/aios-escape", "--arg", "content=x"])
        #expect(escape.status == 77, "\(escape.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/etc/aios-escape"))

        // A client certificate from another CA is refused at the TLS layer.
        let stranger = daemon.directory + "/stranger"
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(
            to: URL(fileURLWithPath: daemon.directory + "/k"))
        let strangerVault = "aios:vault:test-\(UUID().uuidString)"
        defer { _ = try? BinaryRunner.run(["secrets", "forget", "--vault", strangerVault]) }
        for step in [
            ["ca", "init", "--state-dir", stranger, "--key-file", daemon.directory + "/k", "--vault", strangerVault],
            [
                "ca", "issue", "--identity", "spiffe://aios.local/service/orchestrator", "--out", stranger + "/id",
                "--state-dir", stranger, "--vault", strangerVault,
            ],
        ] {
            #expect(try BinaryRunner.run(step).status == 0)
        }
        try FileManager.default.removeItem(atPath: stranger + "/id/bundle.pem")
        try FileManager.default.copyItem(
            atPath: daemon.state + "/identities/orchestrator/bundle.pem", toPath: stranger + "/id/bundle.pem")
        let foreign = try BinaryRunner.run([
            "call", "status", "--server", daemon.address, "--identity", stranger + "/id",
        ])
        #expect(foreign.status == 69, "\(foreign.stderr)")

        // An expired certificate is refused at the TLS layer.
        let expired = daemon.directory + "/expired"
        let issued = try BinaryRunner.run([
            "ca", "issue", "--identity", "spiffe://aios.local/agent/aios-agent-monitor", "--out", expired, "--lifetime",
            "1s", "--state-dir", daemon.state, "--vault", daemon.vault,
        ])
        #expect(issued.status == 0, "\(issued.stderr)")
        Thread.sleep(forTimeInterval: 2)
        let late = try BinaryRunner.run(["call", "status", "--server", daemon.address, "--identity", expired])
        #expect(late.status == 69, "\(late.stderr)")

        // Revoking the task agent's certificate takes effect in the running daemon.
        let serial = try BinaryRunner.run([
            "ca", "status", "--json", "--state-dir", daemon.state, "--vault", daemon.vault,
        ])
        #expect(serial.status == 0)
        let revoked = try BinaryRunner.run([
            "ca", "revoke", "--identity", "spiffe://aios.local/agent/aios-agent-task", "--state-dir", daemon.state,
            "--vault", daemon.vault,
        ])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        let refused = try daemon.call("status", as: "aios-agent-task")
        #expect(refused.status == 77, "\(refused.stderr)")
        let audit = try BinaryRunner.run(["audit", "query", "--state-dir", daemon.state, "--type", "authentication"])
        #expect(audit.stdout.contains("unauthenticated"))
    }

    @Test("a grant expires on its own: an audited capability_revoke with reason expired")
    func expiry() throws {
        let daemon = try DaemonFixture()
        let grant = try daemon.call(
            "grant", as: "orchestrator",
            [
                "--agent", "aios-agent-task", "--capability", "fs:read:\(daemon.directory)/data/*", "--duration", "1s",
                "--reason", "brief",
            ])
        #expect(grant.status == 0, "\(grant.stderr)")
        Thread.sleep(forTimeInterval: 2.5)
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "capability_revoke", "--json",
        ])
        #expect(audit.stdout.contains("\"reason\":\"expired\""), "\(audit.stdout)")
    }

    @Test("a high-risk call waits for the orchestrator: pending, then confirmed and run")
    func confirmation() throws {
        let daemon = try DaemonFixture()
        // Beside the state directory, never in it: a grant cannot reach the daemon's own state.
        let target = daemon.directory + "/data/victim.txt"
        try FileManager.default.createDirectory(atPath: daemon.directory + "/data", withIntermediateDirectories: true)
        try "x".write(toFile: target, atomically: true, encoding: .utf8)
        _ = try daemon.call(
            "grant", as: "orchestrator",
            [
                "--agent", "aios-agent-task", "--capability", "fs:delete:\(daemon.directory)/data/*", "--duration",
                "5m",
                "--reason", "cleanup",
            ])
        let exec = Process()
        exec.executableURL = BinaryRunner.binary
        exec.arguments = [
            "call", "exec", "--server", daemon.address, "--identity", daemon.identity("aios-agent-task"), "--tool",
            "fs.delete", "--arg", "path=\(target)",
        ]
        exec.standardOutput = Pipe()
        exec.standardError = Pipe()
        try exec.run()
        var pendingID = ""
        for _ in 0..<50 where pendingID.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
            let pending = try daemon.call("pending", as: "orchestrator", ["--json"])
            if let range = pending.stdout.range(of: #"pending-[0-9a-f]+"#, options: .regularExpression) {
                pendingID = String(pending.stdout[range])
            }
        }
        #expect(!pendingID.isEmpty)
        #expect(FileManager.default.fileExists(atPath: target), "nothing happens before the confirmation")
        let byAgent = try daemon.call("confirm", as: "aios-agent-task", ["--pending-id", pendingID])
        #expect(byAgent.status == 77, "an agent cannot confirm")
        let confirm = try daemon.call("confirm", as: "orchestrator", ["--pending-id", pendingID])
        #expect(confirm.stdout == "approved\n", "\(confirm.stderr)")
        exec.waitUntilExit()
        #expect(exec.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}

@Suite("aios-sec serve: policy settings and transports")
struct DaemonPolicyTests {
    @Test("--socket serves on a Unix socket with the same mTLS")
    func unixSocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aios-\(UUID().uuidString.prefix(8)).sock"
        )
        .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try DaemonFixture(extraArguments: ["--socket", path])
        #expect(daemon.address == "unix:\(path)")
        let status = try daemon.call("status", as: "aios-agent-monitor")
        #expect(status.stdout.contains("caller spiffe://aios.local/agent/aios-agent-monitor"), "\(status.stderr)")
    }

    @Test("the per-agent rate limit from policy denies calls over the budget at the Gate, audited")
    func rateLimit() throws {
        let daemon = try DaemonFixture(
            policy: """
                policy:
                  rate_limit: {per_second: 0.01, burst: 2}
                aios-agent-system:
                  capabilities: [fs:read:*]
                """)
        let arguments = ["--capability", "fs:read:/etc/hosts"]
        let results = try (0..<3).map { _ in try daemon.call("authorize", as: "aios-agent-system", arguments) }
        #expect(results.prefix(2).allSatisfy { $0.status == 0 }, "the burst passes")
        #expect(results.last?.status == 1)
        #expect(results.last?.stdout.contains("rate limit exceeded") == true, "\(results.last?.stdout ?? "")")
    }
}

@Suite("aios-sec serve: confirmations that never come")
struct DaemonConfirmationTimeoutTests {
    @Test("a high-risk call with no answer is denied when the confirmation times out, and audited")
    func timeout() throws {
        let daemon = try DaemonFixture(extraArguments: ["--confirmation-timeout", "1"])
        // Beside the state directory, never in it: a grant cannot reach the daemon's own state.
        let target = daemon.directory + "/data/keep.txt"
        try FileManager.default.createDirectory(atPath: daemon.directory + "/data", withIntermediateDirectories: true)
        try "x".write(toFile: target, atomically: true, encoding: .utf8)
        _ = try daemon.call(
            "grant", as: "orchestrator",
            [
                "--agent", "aios-agent-task", "--capability", "fs:delete:\(daemon.directory)/data/*", "--duration",
                "5m",
                "--reason", "cleanup",
            ])
        let exec = try daemon.call("exec", as: "aios-agent-task", ["--tool", "fs.delete", "--arg", "path=\(target)"])
        #expect(exec.status == 1)
        #expect(exec.stdout.contains("no confirmation within"), "\(exec.stdout)")
        #expect(FileManager.default.fileExists(atPath: target))
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "fs.delete", "--json",
        ])
        let lines = audit.stdout.split(separator: "\n")
        #expect(lines.count == 2, "pending, then denied: \(audit.stdout)")
        #expect(lines.first?.contains("\"result\":\"pending\"") == true)
        #expect(lines.last?.contains("\"result\":\"denied\"") == true)
    }
}
