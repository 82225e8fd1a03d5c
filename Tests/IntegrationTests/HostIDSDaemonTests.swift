import Foundation
import Policy
import SecurityTesting
import Testing

@Suite("The host IDS in the daemon (serve --host-ids)")
struct HostIDSDaemonTests {
    /// An agent (sandboxed, spawned through the daemon) runs a program it may not, then tries to load a kernel
    /// module: its seccomp filter refuses and logs the call, and both are `security_alert` entries naming the agent;
    /// with `ids.processes.response: freeze` the agent's cgroup is frozen.
    @Test(.requiresRoot("the daemon launches agents and reads the kernel's process events as root"))
    func anAgentRunningAProgramItMayNotAndLoadingAModuleIsReportedAndFrozen() throws {
        let parent = "aios-test-\(getpid())-hids"
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent, "--host-ids"],
            policy: BuiltinPolicy.yaml + "\nids:\n  processes: {response: freeze}\n")
        defer {
            daemon.stop()
            for controller in ["cpu", "memory", "pids", "freezer", "blkio", "unified"] {
                let base = "/sys/fs/cgroup/\(controller)/\(parent)"
                for group in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
                    rmdir(base + "/" + group)
                }
                rmdir(base)
            }
            rmdir("/sys/fs/cgroup/\(parent)")
        }
        let script =
            "/usr/bin/perl -e 'syscall(313, -1, \"\", 0); print $! + 0' > /dev/null; /usr/bin/id > /dev/null; "
            + "exec /bin/sleep 60"
        let spawned = try daemon.call(
            "spawn", as: "orchestrator", ["--agent", "aios-agent-monitor", "--json", "--", "/bin/sh", "-c", script])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        var alerts = ""
        let deadline = Date() + 20
        while Date() < deadline {
            alerts = try BinaryRunner.run([
                "audit", "query", "--state-dir", daemon.state, "--type", "security_alert", "--json",
            ]).stdout
            if alerts.contains("ids.module_load_refused") && alerts.contains("/usr/bin/id") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(alerts.contains("\"action\":\"ids.unexpected_exec\""), "\(alerts)")
        #expect(alerts.contains("\"target\":\"aios-agent-monitor\""), "\(alerts)")
        #expect(alerts.contains("/usr/bin/id"), "the program it may not run: \(alerts)")
        #expect(alerts.contains("\"action\":\"ids.module_load_refused\""), "\(alerts)")
        #expect(alerts.contains("finit_module"), "\(alerts)")
        #expect(alerts.contains("\"response\":\"freeze\""), "\(alerts)")
        // Its own program (the shell it was started with) is not an alert.
        #expect(!alerts.contains("ran /usr/bin/dash"), "\(alerts)")
        let freezer = "/sys/fs/cgroup/freezer/\(parent)"
        let groups = (try? FileManager.default.contentsOfDirectory(atPath: freezer)) ?? []
        let states = groups.compactMap {
            try? String(contentsOfFile: "\(freezer)/\($0)/freezer.state", encoding: .utf8)
        }
        #expect(states.contains { $0.hasPrefix("FROZEN") }, "\(groups) \(states)")
        let stopped = try daemon.call("stop", as: "orchestrator", ["--agent", "aios-agent-monitor"])
        #expect(stopped.status == 0, "a frozen agent is stopped: \(stopped.stderr)")
    }
}
