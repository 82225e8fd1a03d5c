import Audit
import Capabilities
import Foundation
import Policy
import Sandbox
import Secrets
import SecurityTesting
import Synchronization
import Testing

@testable import Agents

/// Collects what would go to the ledger.
final class RecordedAudit: Sendable {
    struct Recorded {
        let draft: AuditDraft
        let recordedAt: ContinuousClock.Instant
        var eventType: AuditEventType { draft.eventType }
        var action: String { draft.action }
        var details: JSONValue { draft.details }
    }
    private let drafts = Mutex<[Recorded]>([])
    var all: [Recorded] { drafts.withLock { $0 } }
    var sink: AgentAuditSink {
        { draft in self.drafts.withLock { $0.append(Recorded(draft: draft, recordedAt: .now)) } }
    }
    func actions(_ type: AuditEventType) -> [String] { all.filter { $0.eventType == type }.map(\.action) }
}

/// A policy with one role `worker` (agent `worker`, uid 61980), the given sandbox section, and a spawner for it
/// whose cgroups go below `aios-test-<pid>`.
func makeSpawner(sandbox: String, audit: RecordedAudit) throws -> (AgentSpawner, KeyringVault) {
    let policy = try SecurityPolicy.parse(
        yaml: """
            worker:
              capabilities: []
            agents:
              worker: {roles: [worker], uid: 61980}
            sandbox:
            \(sandbox.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml")
    let vault = try KeyringVault.openOrCreate(name: "aios-test-agents-\(getpid())")
    let spawner = AgentSpawner(
        policy: policy, vault: vault,
        confinement: AgentSpawner.Confinement(
            layout: try CgroupLayout.detect(), cgroupParent: "aios-test-\(getpid())", daemonSocket: nil),
        action: "test.spawn", audit: audit.sink)
    return (spawner, vault)
}

func removeTestCgroupParent() { removeTestCgroup("aios-test-\(getpid())") }

@Suite("Supervised agents: watchdog findings, restarts with back-off, stop", .serialized)
struct SupervisorTests {
    @Test(
        "an agent that keeps exiting is restarted with back-off, every exit recorded; stop ends it",
        .requiresRoot("agents run as another uid in cgroups"))
    func restarts() async throws {
        let audit = RecordedAudit()
        let (spawner, vault) = try makeSpawner(
            sandbox: "watchdog: {on_exit: restart, backoff: 1s, max_backoff: 2s}", audit: audit)
        defer {
            try? vault.destroy()
            removeTestCgroupParent()
        }
        let supervisor = try AgentSupervisor.start(
            agent: "worker", command: ["/bin/sh", "-c", "exit 3"], spawner: spawner)
        // Starts at 0 s, then after 1 s and 2 s of back-off: wait (generously, the machine may be loaded) for two.
        let deadline = ContinuousClock.now + .seconds(60)
        while supervisor.status.restarts < 2 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        await supervisor.stop()
        let status = supervisor.status
        #expect(status.restarts == 2, "\(status)")
        #expect(status.state == .stopped)
        let spawns = audit.all.filter { $0.eventType == .agentSpawn }
        #expect(spawns.count == 3)
        // The back-off doubles: the gaps between starts are at least 1 s and then at least 2 s.
        let times = spawns.map(\.recordedAt)
        if times.count == 3 {
            #expect(times[1] - times[0] >= .seconds(1) && times[2] - times[1] >= .seconds(2), "\(times)")
        }
        let exits = audit.all.filter { $0.eventType == .agentShutdown }
        #expect(exits.count >= 2)
        #expect(exits.allSatisfy { $0.details["exit_status"] != nil })
    }

    @Test(
        "a memory hog is killed by the kernel, only it: the OOM kill is an alert and the policy stops the agent",
        .requiresRoot("cgroup memory limits"))
    func oomKill() async throws {
        let audit = RecordedAudit()
        let (spawner, vault) = try makeSpawner(
            sandbox: "limits: {memory: 32m}\nwatchdog: {on_oom: stop, on_exit: restart}", audit: audit)
        defer {
            try? vault.destroy()
            removeTestCgroupParent()
        }
        let supervisor = try AgentSupervisor.start(
            agent: "worker", command: ["/usr/bin/python3", "-c", "x = bytearray(256 << 20); print('survived')"],
            spawner: spawner)
        await supervisor.waitUntilStopped()
        let status = supervisor.status
        #expect(status.restarts == 0, "stopped, not restarted: \(status)")
        #expect(status.lastExitStatus == 137, "SIGKILL from the OOM killer: \(status)")
        #expect(status.lastReason == "watchdog: oom_kill", "\(status)")
        #expect(audit.actions(.securityAlert).contains("watchdog.oom_kill"))
    }

    @Test(
        "a CPU spin at its quota for the policy's time is found; the policy stops it", .requiresRoot("cgroup CPU quota")
    )
    func cpuSpin() async throws {
        let audit = RecordedAudit()
        let (spawner, vault) = try makeSpawner(
            sandbox: "limits: {cpu: 10%}\nwatchdog: {cpu_pegged_for: 1s, on_pressure: stop}", audit: audit)
        defer {
            try? vault.destroy()
            removeTestCgroupParent()
        }
        let supervisor = try AgentSupervisor.start(
            agent: "worker", command: ["/bin/sh", "-c", "while :; do :; done"], spawner: spawner)
        let started = ContinuousClock.now
        await supervisor.waitUntilStopped()
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(supervisor.status.lastReason == "watchdog: cpu_pegged", "\(supervisor.status)")
        let alert = try #require(audit.all.first { $0.action == "watchdog.cpu_pegged" })
        #expect(alert.eventType == .securityAlert && alert.details["action"]?.stringValue == "stop")
    }

    @Test(
        "PIDs near the limit raise an alert and the agent keeps running (policy: alert)",
        .requiresRoot("cgroup PID limits"))
    func pidsNearLimit() async throws {
        let audit = RecordedAudit()
        let (spawner, vault) = try makeSpawner(
            sandbox: "limits: {pids: 20}\nwatchdog: {near_limit: 50%, on_pressure: alert, on_exit: stop}",
            audit: audit)
        defer {
            try? vault.destroy()
            removeTestCgroupParent()
        }
        let supervisor = try AgentSupervisor.start(
            agent: "worker",
            command: ["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done; wait"],
            spawner: spawner)
        await supervisor.waitUntilStopped()
        #expect(audit.actions(.securityAlert) == ["watchdog.pids_near_limit"])
        #expect(supervisor.status.lastExitStatus == 0 && supervisor.status.lastReason == "exited")
    }
}
