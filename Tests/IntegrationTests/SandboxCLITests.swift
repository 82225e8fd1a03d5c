import Foundation
import SecurityTesting
import Testing

@Suite("aios-sec sandbox run")
struct SandboxCLITests {
    @Test(
        "an agent runs as its uid, in its own cgroup joined before exec, writing only where fs:write allows, reading its secret copy"
    )
    func confined() throws {
        guard requireRoot("sandbox run") else { return }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-sandbox-\(UUID().uuidString)")
            .path
        for sub in ["allowed", "denied"] {
            try FileManager.default.createDirectory(atPath: base + "/" + sub, withIntermediateDirectories: true)
        }
        // The agent's uid must be able to enter its directory.
        chmod(base, 0o755)
        chmod(base + "/allowed", 0o777)
        chmod(base + "/denied", 0o777)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let vault = "aios:vault:test-\(UUID().uuidString)"
        defer { _ = try? BinaryRunner.run(["secrets", "forget", "--vault", vault]) }
        try "token=t0k3n-CANARY\n".write(toFile: base + "/plain", atomically: true, encoding: .utf8)
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: base + "/key"))
        #expect(
            try BinaryRunner.run([
                "secrets", "seal", "--in", base + "/plain", "--out", base + "/s.enc", "--key-file", base + "/key",
            ]).status == 0)
        #expect(
            try BinaryRunner.run([
                "secrets", "load", "--file", base + "/s.enc", "--key-file", base + "/key", "--vault", vault,
            ]).status == 0)
        try """
        reader:
          capabilities: [fs:write:\(base)/allowed/*, secret:read:token]
        sandbox:
          limits: {pids: 50}
        """.write(toFile: base + "/policy.yaml", atomically: true, encoding: .utf8)
        // A parent of its own: other suites in this process make agent cgroups below aios-test-<pid>.
        let parent = "aios-test-\(getpid())-sandbox-cli"
        let process = Process()
        process.executableURL = BinaryRunner.binary
        process.arguments = [
            "sandbox", "run", "--agent", "reader", "--policy", base + "/policy.yaml", "--vault", vault, "--state-dir",
            base + "/state", "--cgroup-parent", parent, "--", "sh", "-c",
            """
            echo x > \(base)/allowed/f; echo "write-allowed=$?"
            echo y > \(base)/denied/f; echo "write-denied=$?"
            echo "uid=$(id -u)"
            echo "secret=$(keyctl print %user:aios:secret:token)"
            sleep 2
            """,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        Thread.sleep(forTimeInterval: 1)
        let pidsRoot = "/sys/fs/cgroup/pids/\(parent)"
        let v1 = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids")
        if v1 {
            let groups =
                (try? FileManager.default.contentsOfDirectory(atPath: pidsRoot))?.filter {
                    $0.hasPrefix("agent-reader-")
                } ?? []
            #expect(groups.count == 1, "one cgroup for the agent under \(pidsRoot)")
            if let group = groups.first {
                let limit = try String(contentsOfFile: "\(pidsRoot)/\(group)/pids.max", encoding: .utf8)
                #expect(limit.trimmingCharacters(in: .whitespacesAndNewlines) == "50")
                let members = try String(contentsOfFile: "\(pidsRoot)/\(group)/cgroup.procs", encoding: .utf8)
                #expect(!members.isEmpty, "the agent is in its cgroup")
            }
        }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains("write-allowed=0"), "\(text)")
        #expect(lines.contains { $0.hasPrefix("write-denied=") && $0 != "write-denied=0" }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("uid=") && $0 != "uid=0" })
        #expect(lines.contains("secret=t0k3n-CANARY"))
        #expect(!FileManager.default.fileExists(atPath: base + "/denied/f"))
        if v1 {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: pidsRoot)) ?? []
            #expect(!left.contains { $0.hasPrefix("agent-") }, "the agent's cgroup is removed afterwards")
            for controller in ["cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "blkio", "devices"] {
                rmdir("/sys/fs/cgroup/\(controller)/\(parent)")
            }
        }
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", base + "/state", "--type", "agent_spawn", "--json",
        ])
        #expect(audit.stdout.contains("\"action\":\"sandbox.run\"") && audit.stdout.contains("\"confined\":true"))
    }
}
