import Foundation
import Glibc
import SecurityTesting
import Testing

/// An attacker-agent against the real daemon (release-like binary, built-in policy, state under /tmp as a
/// developer runs it). Each case broke the daemon once; each must now hold.
@Suite("Attacks on the daemon: protected state, ceilings, stale confirmations, FIFOs, writes, processes", .requiresRoot)
struct DaemonAttackTests {
    func exec(_ daemon: DaemonFixture, as agent: String, _ tool: String, _ arguments: [String: String]) throws
        -> BinaryRunner.Output
    {
        try BinaryRunner.run(execArguments(daemon, as: agent, tool, arguments))
    }

    /// `call exec …` as an argument list, for calls run concurrently (the fixture stays on the test's task).
    func execArguments(_ daemon: DaemonFixture, as agent: String, _ tool: String, _ arguments: [String: String])
        -> [String]
    {
        ["call", "exec", "--server", daemon.address, "--identity", daemon.identity(agent), "--tool", tool]
            + arguments.sorted { $0.key < $1.key }.flatMap { ["--arg", "\($0)=\($1)"] }
    }

    func grant(_ daemon: DaemonFixture, _ agent: String, _ capability: String, task: String? = nil) throws
        -> BinaryRunner.Output
    {
        try daemon.call(
            "grant", as: "orchestrator",
            ["--agent", agent, "--capability", capability, "--duration", "10m", "--reason", "attack test"]
                + (task.map { ["--task-id", $0] } ?? []))
    }

    @Test("roles holding fs:read:* cannot read the daemon's keys, ledger key, CA or environment")
    func keyTheft() throws {
        let daemon = try DaemonFixture()
        let pid = daemon.process.processIdentifier
        for (agent, path) in [
            ("aios-agent-system", daemon.identity("orchestrator") + "/key.pem"),
            ("aios-agent-system", daemon.state + "/identities/../identities/orchestrator/key.pem"),
            ("aios-agent-system", "/proc/\(pid)/environ"), ("aios-agent-system", "/proc/self/environ"),
            ("aios-agent-security", daemon.state + "/audit/checkpoint.key"),
            ("aios-agent-security", daemon.state + "/pki/root.key.sealed"),
        ] {
            let result = try exec(daemon, as: agent, "fs.read", ["path": path])
            #expect(result.status != 0, "\(agent) read \(path)")
            #expect(!result.stdout.contains("PRIVATE KEY") && !result.stdout.contains("AIOS_"), "\(path)")
        }
        let listing = try exec(daemon, as: "aios-agent-system", "fs.list", ["path": daemon.state])
        #expect(listing.status != 0, "the state directory cannot even be listed")
    }

    @Test("grant ceilings protect the real state directory, wherever it is")
    func ceilingsFollowTheStateDirectory() throws {
        let daemon = try DaemonFixture()
        for capability in ["fs:write:\(daemon.state)/*", "fs:*:\(daemon.state)/pki/*", "fs:read:\(daemon.state)/*"] {
            let result = try grant(daemon, "aios-agent-task", capability)
            #expect(result.status == 77, "\(capability) was granted: \(result.stdout)")
        }
    }

    @Test("the ledger's directory is out of reach: no foreign object at tomorrow's day file")
    func ledgerDirectory() throws {
        let daemon = try DaemonFixture()
        let tomorrow = Date().addingTimeInterval(86_400).ISO8601Format(.iso8601.year().month().day())
        let path = daemon.state + "/audit/ledger-\(tomorrow).sqlite"
        let result = try exec(daemon, as: "aios-agent-system", "fs.mkdir", ["path": path])
        #expect(result.status != 0)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a foreign object at tomorrow's day file is a security alert today, long before midnight")
    func foreignObjectAtTomorrowsPath() throws {
        let daemon = try DaemonFixture()
        let tomorrow = Date().addingTimeInterval(86_400).ISO8601Format(.iso8601.year().month().day())
        // What an agent could once do with fs:mkdir:* (root-level tampering can still do it).
        let planted = daemon.state + "/audit/ledger-\(tomorrow).sqlite"
        let aside = daemon.directory + "/planted-aside"
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: false)
        var alert = ""
        for _ in 0..<30 where alert.isEmpty {
            Thread.sleep(forTimeInterval: 2)
            // Readers refuse a ledger directory holding a foreign object: look with it moved aside for a moment.
            try FileManager.default.moveItem(atPath: planted, toPath: aside)
            let audit = try BinaryRunner.run([
                "audit", "query", "--state-dir", daemon.state, "--type", "security_alert", "--json",
            ])
            try FileManager.default.moveItem(atPath: aside, toPath: planted)
            alert =
                audit.stdout.split(separator: "\n").first { $0.contains("ledger.foreign_object") }.map(String.init)
                ?? ""
        }
        #expect(alert.contains("is a directory"), "\(alert)")
        #expect(try daemon.call("status", as: "orchestrator").status == 0, "today's ledger still records")
    }

    @Test("a confirmation re-decides: a grant revoked while the call waited does not run it")
    func staleConfirmation() throws {
        let daemon = try DaemonFixture(extraArguments: ["--confirmation-timeout", "150"])
        let directory = daemon.directory + "/data"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "keep me".write(toFile: directory + "/a", atomically: true, encoding: .utf8)
        #expect(try grant(daemon, "aios-agent-task", "fs:delete:\(directory)/a", task: "task-1").status == 0)
        let arguments = execArguments(daemon, as: "aios-agent-task", "fs.delete", ["path": directory + "/a"])
        let call = try BackgroundCall(arguments)
        let pendingID: String
        do {
            pendingID = try waitForPending(daemon)
        } catch {
            Issue.record("\(error); the client: \(call.finish())")
            return
        }
        #expect(try daemon.call("complete-task", as: "orchestrator", ["--task-id", "task-1"]).status == 0)
        #expect(try daemon.call("confirm", as: "orchestrator", ["--pending-id", pendingID]).status == 0)
        let result = call.finish()
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("no longer allowed"))
        #expect(FileManager.default.fileExists(atPath: directory + "/a"))
    }

    @Test("a pending call dies with its caller, and the ledger says so")
    func pendingDiesWithCaller() throws {
        let daemon = try DaemonFixture(extraArguments: ["--confirmation-timeout", "150"])
        let directory = daemon.directory + "/data"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "keep me".write(toFile: directory + "/a", atomically: true, encoding: .utf8)
        #expect(try grant(daemon, "aios-agent-task", "fs:delete:\(directory)/*").status == 0)
        let client = try BackgroundCall(
            execArguments(daemon, as: "aios-agent-task", "fs.delete", ["path": directory + "/a"]))
        let pendingID: String
        do {
            pendingID = try waitForPending(daemon)
        } catch {
            Issue.record("\(error); the client: \(client.finish())")
            return
        }
        client.kill()
        var gone = false
        for _ in 0..<100 where !gone {
            Thread.sleep(forTimeInterval: 0.1)
            gone = !(try daemon.call("pending", as: "orchestrator").stdout.contains(pendingID))
        }
        #expect(gone, "the call stayed pending after its caller died")
        let late = try daemon.call("confirm", as: "orchestrator", ["--pending-id", pendingID])
        #expect(late.status != 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/a"))
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "aios-agent-task", "--json",
        ])
        #expect(audit.stdout.contains("the caller went away"), "\(audit.stdout)")
    }

    /// Synchronous on purpose: an async wait gives its thread back at every sleep, and with the whole suite in
    /// parallel the blocking tests can hold every thread of the cooperative pool for minutes, so the wait resumed
    /// only after its deadline while the client sat pending (the "no call became pending" failure). Holding the
    /// thread, the polls keep their 5 Hz, well inside the orchestrator's read budget; the deadline is generous
    /// because a client may need many seconds to start and finish its handshake under load.
    func waitForPending(_ daemon: DaemonFixture) throws -> String {
        let deadline = Date() + 140
        var last = "no poll finished"
        var polls = 0
        var killed = 0
        var unstarted = 0
        while Date() < deadline {
            // A poll that fails is retried; one that hangs (a client reconnecting to a starved daemon) is ended after
            // 15 s and retried; the last answer explains a timeout.
            let started = Date()
            let listed: BinaryRunner.Output
            do {
                listed = try daemon.call("pending", as: "orchestrator", ["--json"], timeout: 15)
            } catch {
                unstarted += 1
                last = "poll \(polls + 1) could not start the client (\(unstarted) so far): \(error)"
                Thread.sleep(forTimeInterval: 0.2)
                continue
            }
            if let range = listed.stdout.range(of: #"pending-[0-9a-f]{8}"#, options: .regularExpression) {
                return String(listed.stdout[range])
            }
            polls += 1
            if listed.status == SIGKILL { killed += 1 }
            last =
                "poll \(polls) (\(killed) ended after 15 s, \(unstarted) not started) at \(started) took "
                + "\(Int(Date().timeIntervalSince(started))) s, status \(listed.status): \(listed.stdout) \(listed.stderr)"
            Thread.sleep(forTimeInterval: 0.2)
        }
        // Whether the ledger saw it pending while the listing did not (a flake seen only under full-suite load).
        let ledger = try? BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--result", "pending", "--json",
        ])
        throw DaemonFixture.FixtureError(
            message:
                "no call became pending; the last listing: \(last); pending in the ledger: \(ledger?.stdout ?? "?")")
    }

    @Test("reads of a FIFO fail at once and the daemon keeps serving")
    func fifoDoesNotStall() throws {
        let daemon = try DaemonFixture()
        let directory = daemon.directory + "/data"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(mkfifo(directory + "/fifo", 0o666) == 0)
        #expect(try grant(daemon, "aios-agent-task", "fs:read:\(directory)/*").status == 0)
        let arguments = execArguments(daemon, as: "aios-agent-task", "fs.read", ["path": directory + "/fifo"])
        let reads = try (0..<4).map { _ in try BackgroundCall(arguments) }
        let status = try daemon.call("status", as: "orchestrator")
        #expect(status.status == 0)
        for read in reads {
            let result = read.finish()
            #expect(result.status != 0 && result.stderr.contains("FIFO"), "\(result.stderr)")
        }
    }

    @Test("fs.write touches only the granted file; the ledger names the backup by hash, with integer sizes")
    func writeStaysInItsCapability() throws {
        let daemon = try DaemonFixture()
        let directory = daemon.directory + "/data"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(try grant(daemon, "aios-agent-task", "fs:write:\(directory)/only.txt").status == 0)
        for content in ["one", "two"] {
            let result = try exec(
                daemon, as: "aios-agent-task", "fs.write", ["path": directory + "/only.txt", "content": content])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["only.txt"])
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "aios-agent-task", "--type", "file_modification",
            "--json",
        ])
        #expect(audit.stdout.contains(#""bytes_written":3,"#) || audit.stdout.contains(#""bytes_written":3}"#))
        #expect(audit.stdout.contains("7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed"))
    }

    @Test("process.spawn runs inside the agent's sandbox, never a root shell; process.kill never reaches the daemon")
    func processes() throws {
        let daemon = try DaemonFixture(extraArguments: [
            "--allow-exec", "find=/usr/bin/find", "--allow-exec", "touch=/usr/bin/touch",
        ])
        let marker = daemon.directory + "/pwned"
        let shell = try exec(
            daemon, as: "aios-agent-system", "process.spawn",
            ["name": "find", "args": #"["/tmp", "-maxdepth", "0", "-exec", "/bin/sh", "-c", "touch \#(marker)", ";"]"#])
        #expect(shell.status != 0)
        // The system agent may write /var/* but not /tmp: its program may do exactly that, as the agent's uid.
        let outside = try exec(
            daemon, as: "aios-agent-system", "process.spawn", ["name": "touch", "args": "[\"\(marker)\"]"])
        #expect(outside.status == 0, "\(outside.stdout)\(outside.stderr)")
        // Below /var (the view masks /var/tmp), in a directory its uid may write: the program runs as the agent.
        let shared = "/var/aios-attack-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: shared) }
        #expect(chmod(shared, 0o1777) == 0)
        let inside = shared + "/made-by-the-agent"
        #expect(
            try exec(daemon, as: "aios-agent-system", "process.spawn", ["name": "touch", "args": "[\"\(inside)\"]"])
                .status == 0)
        var owner: uid_t? = nil
        for _ in 0..<100 where owner == nil {
            Thread.sleep(forTimeInterval: 0.05)
            var status = stat()
            if stat(inside, &status) == 0 { owner = status.st_uid }
        }
        #expect(owner != nil && owner != 0, "the program ran as \(String(describing: owner)), not the agent's uid")
        #expect(!FileManager.default.fileExists(atPath: marker), "the program wrote outside the agent's rights")

        #expect(try grant(daemon, "aios-agent-task", "process:kill:aios-sec").status == 0)
        let killArguments = execArguments(
            daemon, as: "aios-agent-task", "process.kill",
            ["name": "aios-sec", "pid": "\(daemon.process.processIdentifier)"])
        let kill = try BackgroundCall(killArguments)
        let pendingID = try waitForPending(daemon)
        #expect(try daemon.call("confirm", as: "orchestrator", ["--pending-id", pendingID]).status == 0)
        #expect(kill.finish().status != 0)
        #expect(daemon.process.isRunning)
        #expect(try daemon.call("status", as: "orchestrator").status == 0)
    }

    @Test("a policy cannot redefine a built-in tool")
    func builtinToolsAreReserved() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aios-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        aios-agent-task:
          capabilities: []
        tools:
          fs.write: {capability: "fs:read:{path}", risk: low, args: {path: path, content: text}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let checked = try BinaryRunner.run(["policy", "check", path])
        #expect(checked.status == 65)
        #expect(checked.stderr.contains("built-in tool"))
    }
}

@Suite("The daemon's view of its ledger across restarts", .requiresRoot)
struct DaemonLedgerViewTests {
    @Test("Status counts what the ledger holds, not what this process wrote; audit queries stream every entry")
    func statusAfterRestart() throws {
        let daemon = try DaemonFixture()
        // More than one batch of the stream (256 entries), appended beside the running daemon.
        let line =
            #"{"event_type":"tool_call","agent":"aios-agent-monitor","action":"probe","target":"x","result":"success","risk_level":"low"}"#
        let append = try BinaryRunner.run(
            ["audit", "append", "--ledger", daemon.state + "/audit"],
            stdin: Array(repeating: line, count: 260).joined(separator: "\n"))
        #expect(append.status == 0, "\(append.stderr)")
        try daemon.restart()
        let status = try daemon.call("status", as: "orchestrator", ["--json"])
        let entries = try #require(
            status.stdout.firstMatch(of: /"ledger_?[eE]ntries":(\d+)/).map { Int($0.1)! }, "\(status.stdout)")
        #expect(entries >= 260)
        let audit = try daemon.call("audit", as: "orchestrator", ["agent=aios-agent-monitor"])
        #expect(audit.stdout.split(separator: "\n").count == 260, "more than one batch arrives, in full")
    }
}

@Suite("A flood of calls over the Gate's rate limit", .requiresRoot)
struct GateRateFloodTests {
    @Test("rate-limit denials are answered each time but recorded once per window, then summarised")
    func rateDenialsAreCounted() throws {
        let daemon = try DaemonFixture(
            policy: """
                policy:
                  rate_limit: {per_second: 0.01, burst: 2}
                aios-agent-system:
                  capabilities: [fs:read:*]
                """)
        let results = try (0..<12).map { _ in
            try daemon.call("authorize", as: "aios-agent-system", ["--capability", "fs:read:/etc/hosts"])
        }
        #expect(results.dropFirst(2).allSatisfy { $0.status == 1 && $0.stdout.contains("rate limit exceeded") })
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "aios-agent-system", "--json",
        ])
        let rateEntries = audit.stdout.split(separator: "\n").filter { $0.contains(#""check":"rate""#) }
        #expect(rateEntries.count == 1, "10 denials, one recorded in full: \(rateEntries.count)")
        daemon.stop()
        let after = try BinaryRunner.run(["audit", "query", "--state-dir", daemon.state, "--json"])
        #expect(after.stdout.contains(#""refusals":10"#), "one summary counts all ten, written at shutdown")
    }
}

/// The binary started at once in its own process, finished later: a concurrent client that needs no thread of the
/// test process's (Swift's cooperative threads may all be blocked by other suites waiting on their processes).
final class BackgroundCall {
    private let process = Process()
    private let output = Pipe()
    private let errors = Pipe()

    init(_ arguments: [String]) throws {
        BinaryRunner.configure(process, arguments, namespace: nil)
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Ends the client as a crash would (SIGKILL: its connection just closes), and reaps it.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// ``finish()``, but a client still running after `seconds` is killed (SIGKILL): a defence that fails to end it
    /// fails the test instead of hanging it.
    func finish(killingAfter seconds: TimeInterval) -> BinaryRunner.Output {
        let pid = process.processIdentifier
        let process = self.process
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if process.isRunning { Glibc.kill(pid, SIGKILL) }
        }
        return finish()
    }

    func finish() -> BinaryRunner.Output {
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return BinaryRunner.Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}
