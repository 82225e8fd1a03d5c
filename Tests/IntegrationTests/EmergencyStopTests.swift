import Foundation
import SecurityTesting
import Testing

@Suite("Emergency stop, manual mode and the signed resume, against the real daemon")
struct EmergencyStopTests {
    static func policy(operators: [(String, SSHKeyPair)], quorum: Int = 1, freezeTimeout: String = "never") -> String {
        let named = operators.map { "    \($0.0): {ssh_keys: [\"\($0.1.publicKeyLine)\"]}" }.joined(separator: "\n")
        return """
            worker-a:
              capabilities: ["fs:read:/tmp/*"]
            worker-b:
              capabilities: ["fs:read:/tmp/*"]
            emergency:
              operators:
            \(named)
              resume_quorum: \(quorum)
              freeze_timeout: \(freezeTimeout)
            """
    }

    /// `aios-sec resume` against the fixture as its local operator.
    static func resume(_ daemon: DaemonFixture, _ arguments: [String]) throws -> BinaryRunner.Output {
        try BinaryRunner.run(["resume", "--state-dir", daemon.state, "--server", daemon.address] + arguments)
    }

    /// A fresh challenge, written to a file in the fixture's directory; its path.
    static func challenge(_ daemon: DaemonFixture) throws -> (path: String, text: String) {
        let asked = try resume(daemon, ["--challenge"])
        #expect(asked.status == 0, "\(asked.stderr)")
        let path = daemon.directory + "/challenge-\(UUID().uuidString.prefix(6)).txt"
        try asked.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, asked.stdout)
    }

    static func signature(
        _ key: SSHKeyPair, _ text: String, namespace: String = "aios-resume", in daemon: DaemonFixture
    )
        throws -> String
    {
        let path = daemon.directory + "/sig-\(UUID().uuidString.prefix(6)).sig"
        try key.sign(text, namespace: namespace).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "estop freezes every agent, closes the Gate and suspends grants; only a fresh challenge signed by two operators resumes",
        .requiresRoot("the daemon launches agents and estop freezes their cgroups"))
    func drill() throws {
        let (alice, bob, mallory) = (try SSHKeyPair(name: "alice"), try SSHKeyPair(name: "bob"), try SSHKeyPair())
        let parent = "aios-test-\(getpid())-estop"
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent],
            policy: Self.policy(operators: [("alice", alice), ("bob", bob)], quorum: 2))
        defer {
            daemon.stop()
            AgentTree.remove(parent)
            for key in [alice, bob, mallory] { key.remove() }
        }
        for agent in ["worker-a", "worker-b"] {
            let spawned = try daemon.call("spawn", as: "orchestrator", ["--agent", agent, "--", "/bin/sleep", "600"])
            #expect(spawned.status == 0, "\(spawned.stderr)")
        }
        let granted = try daemon.call(
            "grant", as: "orchestrator",
            ["--agent", "worker-a", "--capability", "fs:read:/tmp/granted.txt", "--duration", "10m", "--reason", "x"])
        #expect(granted.status == 0, "\(granted.stderr)")

        let stop = try BinaryRunner.run([
            "estop", "--state-dir", daemon.state, "--server", daemon.address, "--reason", "drill",
        ])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(stop.stdout.contains("2 agent cgroup(s) frozen") && stop.stdout.contains("1 grant(s) suspended"))
        #expect(AgentTree.isFrozen(parent))
        let status = try daemon.call("status", as: "orchestrator", ["--json"])
        #expect(status.stdout.contains("\"mode\":\"manual\"") && status.stdout.contains("drill"), "\(status.stdout)")
        let refused = try daemon.call("authorize", as: "worker-a", ["--capability", "fs:read:/tmp/x"])
        #expect(refused.status == 1 && refused.stdout.contains("manual mode"), "\(refused.stdout)")
        let spawn = try daemon.call("spawn", as: "orchestrator", ["--agent", "worker-a", "--", "/bin/true"])
        #expect(spawn.status == 65 && spawn.stderr.contains("manual mode"), "\(spawn.stderr)")
        let grant = try daemon.call(
            "grant", as: "orchestrator",
            ["--agent", "worker-b", "--capability", "fs:read:/tmp/y", "--duration", "1m", "--reason", "x"])
        #expect(grant.status == 65 && grant.stderr.contains("manual mode"), "\(grant.stderr)")
        #expect(try daemon.call("grants", as: "orchestrator").stdout.isEmpty, "every grant suspended")

        let (challenge, text) = try Self.challenge(daemon)
        let aliceSignature = try Self.signature(alice, text, in: daemon)
        let attempts: [([String], String)] = [
            ([aliceSignature, try Self.signature(alice, text, in: daemon)], "needs 2 different operators"),
            ([aliceSignature, try Self.signature(bob, text, namespace: "git", in: daemon)], "namespace"),
            ([aliceSignature, try Self.signature(mallory, text, in: daemon)], "no registered operator"),
        ]
        for (signatures, why) in attempts {
            let attempt = try Self.resume(
                daemon, ["--challenge-file", challenge] + signatures.flatMap { ["--signature", $0] })
            #expect(attempt.status == 77 && attempt.stderr.contains(why), "\(why): \(attempt.stderr)")
            #expect(AgentTree.isFrozen(parent), "still frozen after a refused resume")
        }
        let bobSignature = try Self.signature(bob, text, in: daemon)
        let resumed = try Self.resume(
            daemon, ["--challenge-file", challenge, "--signature", aliceSignature, "--signature", bobSignature])
        #expect(resumed.status == 0 && resumed.stdout.contains("resumed by alice, bob"), "\(resumed.stderr)")
        #expect(!AgentTree.isFrozen(parent))
        #expect(try daemon.call("authorize", as: "worker-a", ["--capability", "fs:read:/tmp/x"]).status == 0)

        // The same challenge and signatures, once more against a later stop: a replay.
        #expect(try daemon.call("estop", as: "operator-admin", ["--reason", "second"]).status == 0)
        let replay = try Self.resume(
            daemon, ["--challenge-file", challenge, "--signature", aliceSignature, "--signature", bobSignature])
        #expect(replay.status == 65 && replay.stderr.contains("already used"), "\(replay.stderr)")

        daemon.stop()
        let entries = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "emergency", "--json",
        ])
        let lines = entries.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("\"emergency_stop\"") && $0.contains("\"agents_frozen\":2") })
        #expect(lines.contains { $0.contains("\"emergency_stop\"") && $0.contains("\"grants_suspended\":1") })
        #expect(lines.filter { $0.contains("\"action\":\"resume\"") && $0.contains("\"denied\"") }.count == 4)
        #expect(lines.contains { $0.contains("\"action\":\"resume\"") && $0.contains("[\"alice\",\"bob\"]") })
    }

    @Test(
        "estop with the daemon hung: the kernel freezes the agents at once; the daemon records the stop when it runs again, and stays stopped across a restart",
        .requiresRoot("the daemon launches agents and estop freezes their cgroups"))
    func hungDaemon() throws {
        let alice = try SSHKeyPair(name: "alice")
        let parent = "aios-test-\(getpid())-hung"
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent], policy: Self.policy(operators: [("alice", alice)]))
        defer {
            daemon.stop()
            AgentTree.remove(parent)
            alice.remove()
        }
        #expect(
            try daemon.call("spawn", as: "orchestrator", ["--agent", "worker-a", "--", "/bin/sleep", "600"]).status == 0
        )
        let pid = daemon.process.processIdentifier
        kill(pid, SIGSTOP)
        let stop = try BinaryRunner.run([
            "estop", "--state-dir", daemon.state, "--server", daemon.address, "--reason", "hung", "--timeout", "1",
        ])
        #expect(AgentTree.isFrozen(parent), "frozen while the daemon is stopped")
        kill(pid, SIGCONT)
        #expect(stop.status == 0 && stop.stdout.contains("manual mode written"), "\(stop.stdout) \(stop.stderr)")
        let recorded = AgentTree.wait(10) {
            let query = try? BinaryRunner.run([
                "audit", "query", "--state-dir", daemon.state, "--action", "emergency_stop", "--json",
            ])
            return query?.stdout.contains("aios-sec estop by uid 0") == true
        }
        #expect(recorded, "the daemon recorded the stop it found in its state")
        let refused = try daemon.call("authorize", as: "worker-a", ["--capability", "fs:read:/tmp/x"])
        #expect(refused.status == 1 && refused.stdout.contains("manual mode"))
        try daemon.restart()
        let status = try daemon.call("status", as: "orchestrator", ["--json"])
        #expect(status.stdout.contains("\"mode\":\"manual\"") && status.stdout.contains("hung"), "\(status.stdout)")
        #expect(AgentTree.processes(parent).isEmpty, "no agent outlives the daemon that stopped in manual mode")
    }

    @Test(
        "after the freeze timeout the frozen agents are killed, recorded, and not restarted",
        .requiresRoot("the daemon launches agents"))
    func freezeTimeout() throws {
        let alice = try SSHKeyPair(name: "alice")
        let parent = "aios-test-\(getpid())-timeout"
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent],
            policy: Self.policy(operators: [("alice", alice)], freezeTimeout: "2s"))
        defer {
            daemon.stop()
            AgentTree.remove(parent)
            alice.remove()
        }
        #expect(
            try daemon.call("spawn", as: "orchestrator", ["--agent", "worker-a", "--", "/bin/sleep", "600"]).status == 0
        )
        let stop = try daemon.call("estop", as: "orchestrator", ["--json"])
        #expect(stop.status == 0 && stop.stdout.contains("\"kill_at\":\"20"), "\(stop.stdout)")
        #expect(AgentTree.wait(15) { AgentTree.processes(parent).isEmpty }, "killed after the timeout")
        Thread.sleep(forTimeInterval: 2)
        let agents = try daemon.call("agents", as: "orchestrator", ["--json"])
        #expect(
            agents.stdout.contains("\"state\":\"stopped\"") && agents.stdout.contains("\"restarts\":0"),
            "\(agents.stdout)")
        let killed = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "emergency_kill", "--json",
        ])
        #expect(killed.stdout.contains("freeze timeout"), "\(killed.stdout)")

        // Resuming with `restart` starts again what ran at the stop, though the timeout killed it.
        let (challenge, text) = try Self.challenge(daemon)
        let resumed = try Self.resume(
            daemon,
            [
                "--challenge-file", challenge, "--signature", try Self.signature(alice, text, in: daemon), "--agents",
                "restart",
            ])
        #expect(
            resumed.status == 0 && resumed.stdout.contains("1 agent(s) restarted"),
            "\(resumed.stdout) \(resumed.stderr)")
        let running = try daemon.call("agents", as: "orchestrator", ["--json"])
        #expect(running.stdout.contains("\"state\":\"running\""), "\(running.stdout)")
        #expect(!AgentTree.isFrozen(parent) && !AgentTree.processes(parent).isEmpty)
    }

    @Test(
        "recovery with the daemon hung, then killed: agents killed through their cgroups, manual mode written, the ledger verified; the next daemon records it and stays stopped",
        .requiresRoot("agents and their cgroups"))
    func recovery() throws {
        let alice = try SSHKeyPair(name: "alice")
        let parent = "aios-test-\(getpid())-recovery"
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent], policy: Self.policy(operators: [("alice", alice)]))
        defer {
            daemon.stop()
            AgentTree.remove(parent)
            alice.remove()
        }
        #expect(
            try daemon.call("spawn", as: "orchestrator", ["--agent", "worker-a", "--", "/bin/sleep", "600"]).status == 0
        )
        // A hung daemon (stopped, not dead: a dead one takes its agents' launchers with it).
        kill(daemon.process.processIdentifier, SIGSTOP)
        #expect(!AgentTree.processes(parent).isEmpty)
        let recovery = try BinaryRunner.run(["recovery", "--state-dir", daemon.state, "--reason", "console drill"])
        #expect(recovery.status == 0, "\(recovery.stdout) \(recovery.stderr)")
        #expect(recovery.stdout.contains("is alive"), "\(recovery.stdout)")
        #expect(recovery.stdout.contains("1 agent cgroup(s) killed"), "\(recovery.stdout)")
        #expect(recovery.stdout.contains("ledger: intact"), "\(recovery.stdout)")
        #expect(recovery.stdout.contains("agent_spawn"), "the last entries are shown: \(recovery.stdout)")
        #expect(AgentTree.processes(parent).isEmpty)
        kill(daemon.process.processIdentifier, SIGKILL)
        daemon.process.waitUntilExit()
        try daemon.restart()
        let status = try daemon.call("status", as: "orchestrator", ["--json"])
        #expect(
            status.stdout.contains("\"mode\":\"manual\"") && status.stdout.contains("console drill"), "\(status.stdout)"
        )
        let recorded = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "emergency_stop", "--json",
        ])
        #expect(recorded.stdout.contains("aios-sec recovery by uid 0"), "\(recorded.stdout)")
        let alert = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "daemon.unclean_end", "--json",
        ])
        #expect(alert.stdout.contains("\"previous_pid\""), "the kill is on record: \(alert.stdout)")
    }

    @Test(
        "aios.mode=manual on the kernel command line starts the daemon stopped; agents may neither stop nor resume it")
    func kernelCommandLine() throws {
        let directory = NSTemporaryDirectory() + "/aios-cmdline-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cmdline = directory + "/cmdline"
        try "BOOT_IMAGE=/vmlinuz ro aios.mode=manual quiet\n".write(toFile: cmdline, atomically: true, encoding: .utf8)
        let daemon = try DaemonFixture(extraArguments: ["--kernel-cmdline", cmdline])
        defer { daemon.stop() }
        let status = try daemon.call("status", as: "orchestrator", ["--json"])
        #expect(status.stdout.contains("\"manual_by\":\"kernel command line\""), "\(status.stdout)")
        let refused = try daemon.call("authorize", as: "aios-agent-system", ["--capability", "fs:read:/etc/hostname"])
        #expect(refused.status == 1 && refused.stdout.contains("manual mode"), "\(refused.stdout)")
        #expect(try daemon.call("estop", as: "aios-agent-system").status == 77, "an agent cannot stop the system")
        let challenge = try BinaryRunner.run([
            "resume", "--challenge", "--state-dir", daemon.state, "--server", daemon.address, "--identity",
            daemon.identity("aios-agent-system"),
        ])
        #expect(challenge.status == 77, "an agent cannot ask to resume: \(challenge.stderr)")
        // The kernel's word is kept in the state: a restart without it is still stopped.
        try "BOOT_IMAGE=/vmlinuz ro quiet\n".write(toFile: cmdline, atomically: true, encoding: .utf8)
        try daemon.restart()
        let after = try daemon.call("status", as: "orchestrator", ["--json"])
        #expect(after.stdout.contains("\"mode\":\"manual\""), "\(after.stdout)")
    }

    @Test("a second daemon on the same state refuses to start (one ledger, one chain), and names the first")
    func oneDaemonPerState() throws {
        let daemon = try DaemonFixture()
        defer { daemon.stop() }
        let second = try BinaryRunner.run([
            "serve", "--state-dir", daemon.state, "--vault", daemon.vault, "--listen", "127.0.0.1:0", "--console",
            "off",
        ])
        #expect(second.status == 69, "\(second.stdout) \(second.stderr)")
        #expect(
            second.stderr.contains("another daemon runs on")
                && second.stderr.contains("pid \(daemon.process.processIdentifier)"))
    }
}
