import Foundation
import SecurityTesting
import Testing

@Suite("aios-sec sandbox run")
struct SandboxCLITests {
    @Test(
        "an agent runs as its uid, in its own cgroup joined before exec, writing only where fs:write allows, reading its secret copy",
        .requiresRoot("sandbox run")
    )
    func confined() throws {
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
            removeTestCgroup(parent)
        }
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", base + "/state", "--type", "agent_spawn", "--json",
        ])
        #expect(audit.stdout.contains("\"action\":\"sandbox.run\"") && audit.stdout.contains("\"confined\":true"))
    }
}

/// `sandbox run` attacked from inside, and left behind by a killed launcher (issue 13).
@Suite("aios-sec sandbox run: terminal, read-only roles, killed launchers", .serialized)
struct SandboxCLIHardeningTests {
    /// A policy with one unprivileged agent, a vault, a state directory and a cgroup parent of this test's own.
    struct Setup {
        let base = "/var/tmp/aios-sandbox-cli-\(UUID().uuidString.prefix(8))"
        let vault = "aios:vault:test-\(UUID().uuidString)"
        let parent = "aios-test-\(getpid())-cli-\(UUID().uuidString.prefix(4))"

        init() throws {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            chmod(base, 0o755)
            try "prober:\n  capabilities: []\n".write(toFile: base + "/policy.yaml", atomically: true, encoding: .utf8)
        }

        func arguments(agent: String = "prober", builtin: Bool = false, _ command: [String]) -> [String] {
            ["sandbox", "run", "--agent", agent] + (builtin ? [] : ["--policy", base + "/policy.yaml"]) + [
                "--vault", vault, "--state-dir", base + "/state", "--cgroup-parent", parent, "--",
            ] + command
        }

        /// Agent cgroups left below the parent, in any hierarchy.
        var leftovers: [String] {
            ["cpu", "cpuacct", "memory", "pids", "freezer", "blkio", "unified"].flatMap { controller in
                let directory = "/sys/fs/cgroup/\(controller)/\(parent)"
                return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
                    $0.hasPrefix("agent-")
                }.map { "\(controller)/\($0)" }
            }
        }

        /// Whether the agent's command runs: its cgroup holds PID 1 and the command (forked only once the launcher
        /// has recorded the start and released it). Pids hierarchy, or the v2 tree.
        var running: Bool {
            ["/sys/fs/cgroup/pids/\(parent)", "/sys/fs/cgroup/\(parent)"].contains { directory in
                ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).contains { group in
                    let members = (try? String(contentsOfFile: "\(directory)/\(group)/cgroup.procs", encoding: .utf8))
                    return group.hasPrefix("agent-") && (members ?? "").split(separator: "\n").count >= 2
                }
            }
        }

        func cleanUp() {
            _ = try? BinaryRunner.run(["secrets", "forget", "--vault", vault])
            // Agent cgroups a failed run left behind first (each is empty once its agent is gone), then the parent.
            for controller in ["cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "blkio", "devices", "unified"] {
                let directory = "/sys/fs/cgroup/\(controller)/\(parent)"
                for group in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                where group.hasPrefix("agent-") {
                    rmdir(directory + "/" + group)
                }
                rmdir(directory)
            }
            try? FileManager.default.removeItem(atPath: base)
        }
    }

    @Test(
        "an agent cannot push keystrokes into the terminal that started sandbox run or secrets exec (TIOCSTI)",
        .requiresRoot("sandbox run"))
    func terminalInjection() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        // The probe never prints the marker itself: it shows up only if the terminal echoes injected input.
        let probe = """
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            marker = bytes([90, 81, 90, 81]) + b"-INJECTED"
            for fd in (0, 1, 2):
                results = [libc.ioctl(fd, 0x5412, ctypes.c_char_p(bytes([c]))) for c in marker]
                print("tiocsti-%d=%s" % (fd, "ok" if results[0] == 0 else os.strerror(ctypes.get_errno())))
            """
        // The launcher runs as the session leader of a fresh pty, which is its controlling terminal.
        let driver = """
            import os, pty, sys
            pid, master = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            out = b""
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    break
                if not data:
                    break
                out += data
            status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            sys.stdout.write(out.decode(errors="replace") + "\\nstatus=%d\\n" % status)
            """
        // `secrets exec` (the agent's uid and keyring, no sandbox) hands over the terminal the same way.
        let secretsExec = [
            "secrets", "exec", "--agent", "prober", "--policy", setup.base + "/policy.yaml", "--vault", setup.vault,
            "--state-dir", setup.base + "/state", "--", "/usr/bin/python3", "-c", probe,
        ]
        for arguments in [setup.arguments(["/usr/bin/python3", "-c", probe]), secretsExec] {
            let result = try Process.run("/usr/bin/python3", ["-c", driver, BinaryRunner.binary.path] + arguments)
            #expect(result.contains("status=0"), "\(arguments[0]): \(result)")
            #expect(result.contains("tiocsti-0="), "the probe ran: \(result)")
            #expect(!result.contains("ZQZQ-INJECTED"), "keystrokes reached the caller's terminal: \(result)")
            #expect(!result.contains("=ok"), "\(result)")
        }
    }

    @Test("a read-only role (the built-in aios-agent-security, fs:read:*) starts", .requiresRoot("sandbox run"))
    func readOnlyRole() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let run = try BinaryRunner.run(setup.arguments(agent: "aios-agent-security", builtin: true, ["/bin/true"]))
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test(
        "a SIGKILLed launcher's cgroups are reclaimed and its agent's end recorded at the next start",
        .requiresRoot("sandbox run"))
    func killedLauncher() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let launcher = Process()
        launcher.executableURL = BinaryRunner.binary
        launcher.arguments = setup.arguments(["sleep", "300"])
        launcher.standardOutput = FileHandle.nullDevice
        launcher.standardError = FileHandle.nullDevice
        try launcher.run()
        // Killed once the agent's command runs.
        let deadline = Date().addingTimeInterval(30)
        while !setup.running && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(setup.running, "the agent runs in its cgroup")
        kill(launcher.processIdentifier, SIGKILL)
        launcher.waitUntilExit()
        let next = try BinaryRunner.run(setup.arguments(["/bin/true"]))
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        #expect(setup.leftovers.isEmpty, "left behind: \(setup.leftovers)")
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", setup.base + "/state", "--type", "agent_shutdown", "--json",
        ])
        #expect(audit.stdout.contains("launcher died"), "\(audit.stdout)")
    }
}

extension Process {
    /// Runs a program to its end; its standard output and error together.
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
