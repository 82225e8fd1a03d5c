import Foundation
import Policy
import SecurityTesting
import Testing

@Suite("The host IDS in the daemon (serve --host-ids)", .serialized)
struct HostIDSDaemonTests {
    /// A daemon with the host IDS whose agents' cgroups go below a folder of this test's own.
    func daemon(_ parent: String, response: String) throws -> DaemonFixture {
        try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent, "--host-ids"],
            policy: BuiltinPolicy.yaml + "\nids:\n  processes: {response: \(response)}\n")
    }

    func removeCgroups(_ parent: String) {
        for controller in ["cpu", "memory", "pids", "freezer", "blkio", "unified"] {
            let base = "/sys/fs/cgroup/\(controller)/\(parent)"
            for group in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
                rmdir(base + "/" + group)
            }
            rmdir(base)
        }
    }

    /// The ledger's `security_alert` entries once `done` holds for them (at most 20 s), and their actions.
    func alerts(_ daemon: DaemonFixture, until done: (String) -> Bool) throws -> String {
        var alerts = ""
        let deadline = Date() + 20
        while Date() < deadline {
            alerts = try BinaryRunner.run([
                "audit", "query", "--state-dir", daemon.state, "--type", "security_alert", "--json",
            ]).stdout
            if done(alerts) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return alerts
    }

    /// Only what the host IDS said about the agent (the machine's own processes may be alerted on too).
    func about(_ agent: String, in alerts: String) -> [String] {
        alerts.split(separator: "\n").map(String.init).filter { $0.contains("\"target\":\"\(agent)\"") }
    }

    /// An agent (sandboxed, spawned through the daemon) runs programs it may not, and tries to load a kernel
    /// module: its seccomp filter refuses and logs the call; each is a `security_alert` naming the agent.
    @Test(.requiresRoot("the daemon launches agents and reads the kernel's process events as root"))
    func anAgentRunningAProgramItMayNotAndLoadingAModuleIsReported() throws {
        let parent = "aios-test-\(getpid())-hids-alert"
        let daemon = try daemon(parent, response: "alert")
        defer {
            daemon.stop()
            removeCgroups(parent)
        }
        // finit_module(-1, "", 0); perl needs a variable for a string argument.
        let script = "/usr/bin/perl -e 'my $s = \"\"; syscall(313, -1, $s, 0)'; exec /bin/sleep 60"
        let spawned = try daemon.call(
            "spawn", as: "orchestrator", ["--agent", "aios-agent-monitor", "--json", "--", "/bin/sh", "-c", script])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        let alerts = about(
            "aios-agent-monitor",
            in: try alerts(daemon) {
                $0.contains("ids.module_load_refused") && $0.contains("ran /usr/bin/sleep")
            })
        let actions = alerts.map { $0.contains("ids.unexpected_exec") ? "unexpected_exec" : "other" }
        #expect(
            alerts.contains { $0.contains("ids.unexpected_exec") && $0.contains("ran /usr/bin/sleep") }, "\(actions)")
        #expect(
            alerts.contains {
                $0.contains("\"action\":\"ids.module_load_refused\"") && $0.contains("\"syscall\":\"finit_module\"")
            }, "the refused module call names the agent: \(actions)")
        // Its own program (the shell it was started with) is expected, and nothing was frozen.
        #expect(!alerts.contains { $0.contains("ran /usr/bin/dash") })
        #expect(!alerts.contains { $0.contains("\"response\":\"freeze\"") })
        // Every exec is in the events window (not in the ledger): the agent's sleep among them, named by its agent.
        let events = try BinaryRunner.run([
            "events", "processes", "--last", "5m", "--json", "--server", daemon.address, "--identity",
            daemon.identity("orchestrator"),
        ])
        #expect(events.status == 0, "\(events.stderr)")
        let exec = events.stdout.split(separator: "\n").first {
            $0.contains(#""action":"process.exec""#) && $0.contains(#""target":"/usr/bin/sleep""#)
                && $0.contains(#""agent":"aios-agent-monitor""#)
        }
        #expect(exec != nil, "\(events.stdout.suffix(2000))")
        _ = try daemon.call("stop", as: "orchestrator", ["--agent", "aios-agent-monitor"])
    }

    /// With `ids.processes.response: freeze` the agent's cgroup is frozen at its first unexpected program, and the
    /// alert says so; the frozen agent can still be stopped.
    @Test(.requiresRoot("the daemon launches agents and freezes their cgroups as root"))
    func anOffendingAgentIsFrozen() throws {
        let parent = "aios-test-\(getpid())-hids-freeze"
        let daemon = try daemon(parent, response: "freeze")
        defer {
            daemon.stop()
            removeCgroups(parent)
        }
        let spawned = try daemon.call(
            "spawn", as: "orchestrator",
            ["--agent", "aios-agent-monitor", "--", "/bin/sh", "-c", "exec /bin/sleep 60"])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        let alerts = about("aios-agent-monitor", in: try alerts(daemon) { $0.contains("ran /usr/bin/sleep") })
        #expect(alerts.contains { $0.contains("ran /usr/bin/sleep") && $0.contains("\"response\":\"freeze\"") })
        let freezer = "/sys/fs/cgroup/freezer/\(parent)"
        let groups = (try? FileManager.default.contentsOfDirectory(atPath: freezer)) ?? []
        let states = groups.compactMap {
            try? String(contentsOfFile: "\(freezer)/\($0)/freezer.state", encoding: .utf8)
        }
        #expect(!states.isEmpty && states.allSatisfy { $0.hasPrefix("FROZEN") }, "\(groups) \(states)")
        let stopped = try daemon.call("stop", as: "orchestrator", ["--agent", "aios-agent-monitor"])
        #expect(stopped.status == 0, "a frozen agent is stopped: \(stopped.stderr)")
    }
}
