import Foundation
import SecurityTesting
import Testing

@Suite("Agents spawned, listed and stopped through the daemon")
struct AgentDaemonTests {
    @Test(
        "the orchestrator spawns a supervised agent, sees it listed, stops it; an agent may not; all recorded",
        .requiresRoot("the daemon launches agents as root"))
    func lifecycle() throws {
        let parent = "aios-test-\(getpid())-daemon"
        let daemon = try DaemonFixture(extraArguments: ["--agent-cgroup-parent", parent])
        defer {
            daemon.stop()
            removeTestCgroup(parent)
        }
        let spawned = try daemon.call(
            "spawn", as: "orchestrator", ["--agent", "aios-agent-monitor", "--json", "--", "/bin/sleep", "60"])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        #expect(spawned.stdout.contains("\"state\":\"running\""), "\(spawned.stdout)")
        let again = try daemon.call(
            "spawn", as: "orchestrator", ["--agent", "aios-agent-monitor", "--", "/bin/sleep", "1"])
        #expect(again.status != 0 && again.stderr.contains("already running"), "\(again.stderr)")
        let refused = try daemon.call(
            "spawn", as: "aios-agent-task", ["--agent", "aios-agent-task", "--", "/bin/true"])
        #expect(refused.status == 77, "an agent cannot spawn agents: \(refused.stderr)")
        let listed = try daemon.call("agents", as: "operator-admin", ["--json"])
        #expect(listed.stdout.contains("\"agent\":\"aios-agent-monitor\""), "\(listed.stdout)")
        let stopped = try daemon.call("stop", as: "orchestrator", ["--agent", "aios-agent-monitor", "--json"])
        #expect(stopped.status == 0 && stopped.stdout.contains("\"state\":\"stopped\""), "\(stopped.stdout)")
        #expect(stopped.stdout.contains("\"last_exit_status\":137"), "killed: \(stopped.stdout)")
        daemon.stop()
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "agent_spawn", "--json",
        ])
        #expect(audit.stdout.contains("\"requested_by\":\"orchestrator\""), "\(audit.stdout)")
        #expect(audit.stdout.contains("\"result\":\"denied\""), "the refused spawn: \(audit.stdout)")
        let shutdowns = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "agent_shutdown", "--json",
        ])
        #expect(shutdowns.stdout.contains("stopped on request"), "\(shutdowns.stdout)")
    }

    @Test(
        "RunTask: the orchestrator's task runs in podman and its run is recorded; an agent without task:run may not",
        .requiresRoot("podman as root"))
    func runTask() throws {
        let daemon = try DaemonFixture()
        defer { daemon.stop() }
        let ran = try daemon.call("task", as: "orchestrator", ["--", "sh", "-c", "printf 'sec%sret\\n' ZZ; exit 3"])
        #expect(ran.status == 3, "\(ran.stderr)")
        #expect(ran.stdout == "secZZret\n")
        let refused = try daemon.call("task", as: "aios-agent-task", ["--", "true"])
        #expect(refused.status == 77, "\(refused.stderr)")
        daemon.stop()
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "task.run", "--json",
        ])
        #expect(audit.stdout.contains("\"exit_status\":3"), "\(audit.stdout)")
        #expect(!audit.stdout.contains("secZZret"), "the output itself is not recorded")
    }
}
