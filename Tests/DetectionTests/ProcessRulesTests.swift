import Capabilities
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Detection

/// `/proc` as a table the test sets.
final class ProcessTable: ProcessInspector, Sendable {
    let table = Mutex<[Int32: ProcessFacts]>([:])

    func set(_ facts: ProcessFacts) { table.withLock { $0[facts.pid] = facts } }
    func remove(_ pid: Int32) { _ = table.withLock { $0.removeValue(forKey: pid) } }
    func facts(of pid: Int32) -> ProcessFacts? { table.withLock { $0[pid] } }
    func pids() -> [Int32] { table.withLock { Array($0.keys).sorted() } }
    func mayRunDeletedFile(_ pid: Int32) -> Bool { table.withLock { $0[pid]?.file?.deleted ?? false } }
}

enum Facts {
    static let agentCgroup = "6:freezer:/aios/agent-coder-4242-0a1b2c3d"

    static func process(
        _ pid: Int32, uid: UInt32 = 1000, euid: UInt32? = nil, exe: String = "/usr/bin/true",
        cgroups: [String] = ["0::/"], file: ExecutableFile = ExecutableFile()
    ) -> ProcessFacts {
        ProcessFacts(
            pid: pid, parent: 1, realUID: uid, effectiveUID: euid ?? uid, realGID: uid, effectiveGID: uid,
            cgroups: cgroups, argv: BoundedArgv(cmdline: Array("\(exe)\0-x\0".utf8)[...]), executable: exe,
            file: file)
    }
}

@Suite struct ProcessRulesTests {
    let table = ProcessTable()
    let now = Timestamp.seconds(1_760_000_000)

    func rules(_ policy: ProcessWatchPolicy = ProcessWatchPolicy()) -> ProcessRules {
        ProcessRules(
            policy: policy,
            agents: AgentDirectory(cgroupParent: "aios", uids: [61001: "coder"]) { agent in
                agent == "coder" ? ["/usr/bin/python3.11", "/usr/bin/git"] : []
            },
            inspector: table)
    }

    func event(_ kind: ProcEvent.Kind) -> ProcEvent { ProcEvent(kind: kind, cpu: 0, sequence: 0) }

    @Test func anAgentRunningAProgramItMayNotIsAnAlertNamingTheAgent() {
        var rules = rules()
        table.set(Facts.process(10, uid: 61001, exe: "/usr/bin/curl", cgroups: [Facts.agentCgroup]))
        let (alerts, observation) = rules.observe(event(.exec(process: 10)), now: now)
        #expect(alerts.map(\.rule) == [.unexpectedExec])
        #expect(alerts.first?.agent == "coder")
        #expect(alerts.first?.cgroup == "aios/agent-coder-4242-0a1b2c3d")
        #expect(alerts.first?.summary.contains("/usr/bin/curl") == true)
        #expect(observation?.agent == "coder" && observation?.executable == "/usr/bin/curl")
        let draft = alerts[0].auditDraft(outcome: .alerted)
        #expect(draft.eventType == .securityAlert && draft.action == "ids.unexpected_exec" && draft.target == "coder")
        // Its own binary and a granted program are expected.
        table.set(Facts.process(11, uid: 61001, exe: "/usr/bin/git", cgroups: [Facts.agentCgroup]))
        #expect(rules.observe(event(.exec(process: 11)), now: now).0.isEmpty)
        // The same program outside any agent's cgroup is nobody's business here.
        table.set(Facts.process(12, exe: "/usr/bin/curl"))
        #expect(rules.observe(event(.exec(process: 12)), now: now).0.isEmpty)
    }

    @Test func aDeletedOrNoexecProgramIsAnAlert() {
        var rules = rules()
        table.set(Facts.process(20, exe: "/memfd:x", file: ExecutableFile(deleted: true)))
        table.set(Facts.process(21, exe: "/dev/shm/x", file: ExecutableFile(onNoexecMount: true)))
        #expect(rules.observe(event(.exec(process: 20)), now: now).0.map(\.rule) == [.deletedExecutable])
        #expect(rules.observe(event(.exec(process: 21)), now: now).0.map(\.rule) == [.noexecExecutable])
        // Seen at its exec: the sweep does not report it again.
        #expect(rules.sweep(now: now).isEmpty)
    }

    /// A file deleted after the exec is found by the sweep, once per process and program.
    @Test func theSweepFindsAProgramDeletedAfterItsExec() {
        var rules = rules()
        table.set(Facts.process(30, exe: "/tmp/implant"))
        #expect(rules.observe(event(.exec(process: 30)), now: now).0.isEmpty)
        #expect(rules.sweep(now: now).isEmpty)
        table.set(Facts.process(30, exe: "/tmp/implant", file: ExecutableFile(deleted: true)))
        let found = rules.sweep(now: now)
        #expect(found.map(\.rule) == [.deletedExecutable] && found.first?.subject == "/tmp/implant")
        #expect(rules.sweep(now: now).isEmpty)
    }

    @Test func aNonRootProcessBecomingRootIsAnEscalation() {
        var rules = rules()
        table.set(Facts.process(40, uid: 1000, exe: "/tmp/helper"))
        _ = rules.observe(event(.exec(process: 40)), now: now)
        let (alerts, observation) = rules.observe(
            event(.uid(process: 40, thread: 40, real: 1000, effective: 0)), now: now)
        #expect(alerts.map(\.rule) == [.uidZero])
        #expect(observation?.uid?.realBefore == 1000)
        let details = alerts[0].auditDraft(outcome: .alerted).details
        #expect(details["uid_before"] == .integer(1000) && details["uid_after"] == .integer(0))
        // Other threads of the same change, and root returning to root, are not new escalations.
        #expect(rules.observe(event(.uid(process: 40, thread: 41, real: 1000, effective: 0)), now: now).0.isEmpty)
        table.set(Facts.process(41, uid: 0, exe: "/usr/sbin/sshd"))
        _ = rules.observe(event(.exec(process: 41)), now: now)
        _ = rules.observe(event(.uid(process: 41, thread: 41, real: 0, effective: 1000)), now: now)
        #expect(rules.observe(event(.uid(process: 41, thread: 41, real: 0, effective: 0)), now: now).0.isEmpty)
    }

    /// A fork inherits its parent's credentials; a process older than the IDS is judged by the change itself.
    @Test func credentialsAreInheritedAndUnknownOnesJudgedByTheChange() {
        var rules = rules()
        table.set(Facts.process(50, uid: 1000))
        _ = rules.observe(event(.exec(process: 50)), now: now)
        _ = rules.observe(event(.fork(parent: 50, child: 51)), now: now)
        #expect(rules.observe(event(.uid(process: 51, thread: 51, real: 0, effective: 0)), now: now).0.count == 1)
        #expect(rules.observe(event(.uid(process: 52, thread: 52, real: 1000, effective: 0)), now: now).0.count == 1)
        #expect(rules.observe(event(.uid(process: 53, thread: 53, real: 0, effective: 0)), now: now).0.isEmpty)
    }

    @Test func allowedEscalationsExemptAProgramButNeverAnAgent() {
        var rules = rules(ProcessWatchPolicy(allowedEscalations: ["/usr/bin/sudo"]))
        table.set(Facts.process(60, uid: 1000, exe: "/usr/bin/sudo"))
        _ = rules.observe(event(.exec(process: 60)), now: now)
        #expect(rules.observe(event(.uid(process: 60, thread: 60, real: 1000, effective: 0)), now: now).0.isEmpty)
        table.set(Facts.process(61, uid: 61001, exe: "/usr/bin/sudo", cgroups: [Facts.agentCgroup]))
        _ = rules.observe(event(.exec(process: 61)), now: now)
        let alerts = rules.observe(event(.uid(process: 61, thread: 61, real: 61001, effective: 0)), now: now).0
        #expect(alerts.map(\.rule) == [.uidZero] && alerts.first?.agent == "coder")
    }

    @Test func gidZeroTakenByANonRootProcessIsAnEscalation() {
        var rules = rules()
        table.set(Facts.process(70, uid: 1000))
        _ = rules.observe(event(.exec(process: 70)), now: now)
        #expect(
            rules.observe(event(.gid(process: 70, thread: 70, real: 1000, effective: 0)), now: now).0.map(\.rule)
                == [.gidZero])
        table.set(Facts.process(71, uid: 0))
        _ = rules.observe(event(.exec(process: 71)), now: now)
        #expect(rules.observe(event(.gid(process: 71, thread: 71, real: 0, effective: 0)), now: now).0.isEmpty)
    }

    @Test func anAgentUIDRunningASetuidOrCapabilityProgramIsAnAlert() {
        var rules = rules()
        table.set(Facts.process(80, uid: 61001, exe: "/usr/bin/passwd", file: ExecutableFile(setuid: true)))
        table.set(Facts.process(81, uid: 61001, exe: "/usr/bin/ping", file: ExecutableFile(capabilities: true)))
        table.set(Facts.process(82, uid: 1000, exe: "/usr/bin/passwd", file: ExecutableFile(setuid: true)))
        #expect(rules.observe(event(.exec(process: 80)), now: now).0.map(\.rule) == [.privilegedExec])
        #expect(rules.observe(event(.exec(process: 81)), now: now).0.map(\.rule) == [.privilegedExec])
        #expect(rules.observe(event(.exec(process: 82)), now: now).0.isEmpty)
    }

    /// A process started while the IDS runs, alive past the limit outside every unit and agent, is reported once;
    /// one in a systemd unit, a known cgroup or an agent's, or one that exited, is not.
    @Test func longRunnersOutsideEveryUnitAreReportedOnce() {
        var rules = rules(ProcessWatchPolicy(longRunningAfter: .seconds(60), knownCgroups: ["/process_api"]))
        table.set(Facts.process(90, exe: "/tmp/miner"))
        table.set(Facts.process(91, exe: "/usr/sbin/cron", cgroups: ["0::/system.slice/cron.service"]))
        table.set(Facts.process(92, exe: "/usr/bin/x", cgroups: ["4:memory:/process_api/abc"]))
        table.set(Facts.process(93, uid: 61001, exe: "/usr/bin/git", cgroups: [Facts.agentCgroup]))
        for pid: Int32 in [90, 91, 92, 93, 94] { _ = rules.observe(event(.fork(parent: 1, child: pid)), now: now) }
        _ = rules.observe(event(.exit(process: 94)), now: now)
        #expect(rules.expire(now: now.adding(.seconds(59))).isEmpty)
        let alerts = rules.expire(now: now.adding(.seconds(60)))
        #expect(alerts.map(\.rule) == [.unmanagedProcess] && alerts.first?.subject == "/tmp/miner")
        #expect(rules.expire(now: now.adding(.seconds(600))).isEmpty)
    }

    @Test func tablesAreBoundedAndOverflowIsCounted() {
        var rules = rules(ProcessWatchPolicy(longRunningAfter: nil, trackedProcesses: 2))
        for pid: Int32 in 100..<105 {
            table.set(Facts.process(pid))
            _ = rules.observe(event(.exec(process: pid)), now: now)
        }
        #expect(rules.untracked == 3)
    }
}

@Suite struct CgroupPathsTests {
    @Test func agentCgroupsAreFoundInAnyHierarchy() {
        let lines = ["9:name=systemd:/", "6:freezer:/aios/agent-my-agent-77-deadbeef/sub", "0::/"]
        #expect(CgroupPaths.agent(in: lines, parent: "aios")?.agent == "my-agent")
        #expect(CgroupPaths.agent(in: lines, parent: "aios")?.cgroup == "aios/agent-my-agent-77-deadbeef")
        #expect(CgroupPaths.agent(in: ["0::/aios/agent-x-77-nothex00"], parent: "aios") == nil)
        #expect(CgroupPaths.agent(in: ["0::/other/agent-x-77-deadbeef"], parent: "aios") == nil)
        #expect(CgroupPaths.agent(in: ["0::/a/b/agent-x-77-deadbeef"], parent: "a/b")?.agent == "x")
    }

    @Test func unitsAndKnownCgroupsAreManaged() {
        #expect(CgroupPaths.isManaged(["0::/system.slice/ssh.service"], known: []))
        #expect(CgroupPaths.isManaged(["1:name=systemd:/user.slice/user-0.slice/session-4.scope"], known: []))
        #expect(CgroupPaths.isManaged(["4:memory:/process_api/x"], known: ["/process_api"]))
        #expect(!CgroupPaths.isManaged(["4:memory:/process_apix"], known: ["/process_api"]))
        #expect(!CgroupPaths.isManaged(["0::/", "malformed"], known: []))
    }
}
