import Foundation
import SecurityTesting
import Testing

/// The CLI as a user runs it: the real binary, its output and its exit codes.
@Suite("aios-sec command line")
struct CLITests {
    func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aios-\(UUID().uuidString).yaml").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("policy check: exit 0 and a one-line summary for the spec's block")
    func policyCheckValid() throws {
        let spec = BinaryRunner.repositoryRoot.appendingPathComponent("examples/spec-agent-defaults.yaml").path
        let output = try BinaryRunner.run(["policy", "check", spec])
        #expect(output.status == 0)
        #expect(output.stdout.hasSuffix("valid policy: 6 roles, 6 agents, 33 tools, 2 protected paths, 8 warning(s)\n"))
        #expect(output.stderr.contains("warning: role 'aios-agent-system' reaches the protected path"))
    }

    @Test("policy check: exit 65 with located errors, in text and in JSON")
    func policyCheckInvalid() throws {
        let path = try temporaryFile("r:\n  capabilities:\n    - fs:write:/etc/\n  colour: blue\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try BinaryRunner.run(["policy", "check", path])
        #expect(output.status == 65)
        #expect(output.stderr.contains("\(path):3:20: path pattern is not normalised: trailing '/'"))
        #expect(output.stderr.contains("\(path):4:3: unknown key 'colour'"))
        let json = try BinaryRunner.run(["policy", "check", path, "--json"])
        #expect(json.status == 65)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["valid"] as? Bool == false)
        #expect((object?["issues"] as? [String])?.count == 2)
    }

    @Test("authorize: exit 0 allowed with what decided, 1 denied with why")
    func authorize() throws {
        let allowed = try BinaryRunner.run([
            "authorize", "--agent", "aios-agent-system", "--capability", "fs:write:/etc/nginx/nginx.conf", "--json",
        ])
        #expect(allowed.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(allowed.stdout.utf8)) as? [String: Any]
        #expect(object?["decision"] as? String == "allow")
        #expect(object?["capability"] as? String == "fs:write:/etc/*")
        #expect(object?["source"] as? String == "role aios-agent-system")

        let escape = try BinaryRunner.run([
            "authorize", "--agent", "aios-agent-system", "--tool", "fs.write", "--arg", "path=/etc/../root/.ssh/keys",
            "--arg", "content=x",
        ])
        #expect(escape.status == 1)
        #expect(escape.stdout.contains("denied: aios-agent-system → fs:write:/root/.ssh/keys"))

        let risky = try BinaryRunner.run([
            "authorize", "--agent", "aios-agent-package", "--tool", "pkg.install", "--arg", "package=nginx",
        ])
        #expect(risky.status == 0)
        #expect(risky.stdout.contains("needs orchestrator confirmation"))

        let task = try BinaryRunner.run(["authorize", "--agent", "aios-agent-task", "--capability", "fs:read:/tmp/x"])
        #expect(task.status == 1, "the task agent starts with nothing")
    }

    @Test(
        "authorize: usage errors exit 64, bad input 65",
        arguments: [
            (["authorize", "--agent", "a"], 64) as ([String], Int),
            (["authorize", "--agent", "a", "--capability", "fs:read:/x", "--tool", "fs.read"], 64),
            (["authorize", "--agent", "a", "--tool", "fs.read", "--arg", "path"], 64),
            (["authorize", "--agent", "a", "--capability", "fs"], 65),
            (["authorize", "--agent", "a", "--tool", "fs.read", "--arg", "path=etc/passwd"], 65),
            (["authorize", "--agent", "a", "--tool", "no.such.tool"], 65),
            (["authorize", "--agent", "a", "--capability", "fs:read:/x", "--policy", "/nonexistent.yaml"], 65),
        ])
    func usageAndInput(_ arguments: [String], _ status: Int) throws {
        #expect(try BinaryRunner.run(arguments).status == Int32(status))
    }

    @Test("bench authz: the shared contract's output line, zero mismatches, exit 2 on a foreign workload")
    func benchAuthz() throws {
        let output = try BinaryRunner.run([
            "bench", "authz", BinaryRunner.fixture("workload-small.json"), "--repeats", "1",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let line = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("AUTHZ_RESULT ") })
        let result =
            try JSONSerialization.jsonObject(with: Data(line.dropFirst("AUTHZ_RESULT ".count).utf8)) as? [String: Any]
        #expect(result?["mismatches"] as? Int == 0)
        #expect(result?["n"] as? Int == 3000)
        #expect(result?["engine"] as? String == "aios-swift")
        let foreign = try temporaryFile(#"{"schema":"other/1","semantics":"aios-cap-v1"}"#)
        defer { try? FileManager.default.removeItem(atPath: foreign) }
        #expect(try BinaryRunner.run(["bench", "authz", foreign]).status == 2)
    }

    @Test("serve: a bad address or allow-list is a usage error before anything is created")
    func serveUsage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-state-\(UUID().uuidString)")
            .path
        for arguments in [["--listen", "nonsense"], ["--allow-exec", "ls=relative/ls"]] {
            let output = try BinaryRunner.run(
                ["serve", "--state-dir", directory, "--vault", "aios:vault:test-unused"] + arguments)
            #expect(output.status == 64, "\(output.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}

/// `aios-sec ssh` and `aios-sec status` as a user runs them.
@Suite("aios-sec ssh and status")
struct SSHConsoleCLITests {
    static let policy = """
        worker:
          capabilities: []
        firewall:
          management: [10.0.0.0/24]
        emergency:
          operators:
            alice:
              ssh_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGzoRhVVynYLL3DqemKFfsDlip6dX8br7rNhLJPD6Dk/ alice"]
        """

    func file(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aios-\(UUID().uuidString).yaml").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("ssh render: the same drop-in every time; the keys file names the operator")
    func render() throws {
        let policy = try file(Self.policy)
        defer { try? FileManager.default.removeItem(atPath: policy) }
        let first = try BinaryRunner.run(["ssh", "render", "--policy", policy])
        #expect(first.status == 0)
        #expect(first.stdout.contains("\nAllowUsers root@10.0.0.0/24\n"))
        #expect(first.stdout == (try BinaryRunner.run(["ssh", "render", "--policy", policy])).stdout)
        let keys = try BinaryRunner.run(["ssh", "render", "--policy", policy, "--keys"])
        #expect(keys.stdout.contains(" aios-operator:alice\n"))
    }

    @Test("ssh render: exit 65 for a policy without operators")
    func noOperators() throws {
        let policy = try file("worker:\n  capabilities: []\n")
        defer { try? FileManager.default.removeItem(atPath: policy) }
        let output = try BinaryRunner.run(["ssh", "render", "--policy", policy])
        #expect(output.status == 65)
        #expect(output.stderr.contains("names no operators"))
    }

    @Test("status --human: says what it can with no daemon and no ledger")
    func statusWithNothing() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("aios-\(UUID().uuidString)").path
        let output = try BinaryRunner.run(["status", "--human", "--state-dir", state])
        #expect(output.status == 0)
        #expect(output.stdout.contains("daemon: not asked"))
        #expect(output.stdout.contains("ledger: none at"))
    }

    /// In a PID namespace of its own the kernel ignores a proc connector subscription without a word: the
    /// recorder must refuse to run blind (exit 77) rather than record nothing.
    @Test(.requiresRoot("unshare --pid; the proc connector"))
    func theRecorderRefusesToRunBlind() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = [
            "--pid", "--fork", "--mount-proc", BinaryRunner.binary.path, "bench", "human-sessions", "--rounds", "1",
            "--execs", "1",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 77)
        #expect(message.contains("did not acknowledge the subscription"))
    }

    /// The egress benchmark's three paths and its shaped link work end to end (a short run: the figures are the
    /// benchmark's business, not the test's); its namespaces are gone after it.
    @Test(.requiresRoot("network namespaces, tc"))
    func theEgressBenchmarkRunsEachPath() throws {
        let output = try BinaryRunner.run([
            "bench", "egress", "--connections", "2", "--megabytes", "4", "--transfers", "1", "--link-rate", "200",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let rows = output.stdout.split(separator: "\n").filter {
            $0.hasPrefix("| unshaped") || $0.hasPrefix("| 200 Mbit/s")
        }
        #expect(rows.count == 2)
        // Every path moved its bytes: a rate and a ratio in each column.
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count == 6 && cells[1...].allSatisfy { Double($0.trimmingCharacters(in: ["×"])) ?? 0 > 0 })
        }
        #expect(output.stdout.contains("Connections recorded by the proxy: 4 of 4."), "every proxied connection")
        let namespaces = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        #expect(!namespaces.contains { $0.hasPrefix("aios-bench-eg-") })
    }
}
