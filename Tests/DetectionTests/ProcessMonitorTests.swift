import Audit
import Capabilities
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Detection

/// Records what it was asked to freeze; fails when told to.
final class RecordingFreezer: AgentFreezer, Sendable {
    let frozen = Mutex<[String]>([])
    let failing: Bool

    init(failing: Bool = false) { self.failing = failing }

    func freeze(agent: String, cgroup: String?) throws {
        if failing { throw DetectionError.unavailable("frozen cgroup gone") }
        frozen.withLock { $0.append(agent) }
    }
}

@Suite final class ProcessMonitorTests: Sendable {
    let table = ProcessTable()
    let clock = ManualClock()
    let drafts = Mutex<[AuditDraft]>([])

    func monitor(response: ProcessWatchPolicy.Response = .alert, freezer: RecordingFreezer? = nil) -> ProcessMonitor {
        var policy = IDSPolicy.defaults()
        policy.processes.response = response
        policy.alertsPerWindow = 2
        return ProcessMonitor(
            policy: policy, agents: AgentDirectory(cgroupParent: "aios", uids: [61001: "coder"]) { _ in [] },
            inspector: table, modules: ModuleWatch(path: "/nonexistent/modules"), freezer: freezer,
            audit: { [self] draft in drafts.withLock { $0.append(draft) } }, clock: clock)
    }

    func exec(_ monitor: ProcessMonitor, _ pid: Int32, exe: String) {
        table.set(Facts.process(pid, uid: 61001, exe: exe, cgroups: [Facts.agentCgroup]))
        monitor.ingest(ProcEvent(kind: .exec(process: pid), cpu: 0, sequence: 0))
    }

    /// A flood of one finding is the first alerts one by one, then one summary with the count when the window ends.
    @Test func aFloodIsAggregatedPerRuleSubjectAndWindow() {
        let monitor = monitor()
        for pid: Int32 in 1...50 { exec(monitor, pid, exe: "/usr/bin/curl") }
        #expect(drafts.withLock { $0.count } == 2)
        clock.advance(by: .seconds(60))
        monitor.tick()
        let summary = drafts.withLock { $0.last }
        #expect(summary?.target == "aggregate" && summary?.action == "ids.unexpected_exec")
        #expect(summary?.details["aggregated"] == .integer(48))
        #expect(summary?.details["key"] == .string("unexpected_exec coder"))
        #expect(monitor.statistics.alerts == 50 && monitor.statistics.aggregatedAlerts == 48)
    }

    /// Made-up subjects (a new program path each time) cannot widen the flood: past the policy's number of subjects
    /// per rule and window, new ones share one key.
    @Test func aFloodOfDistinctSubjectsIsBoundedToo() {
        let monitor = monitor()
        for pid: Int32 in 1...50 {
            table.set(Facts.process(pid, uid: 1000, exe: "/tmp/x\(pid)", file: ExecutableFile(deleted: true)))
            monitor.ingest(ProcEvent(kind: .exec(process: pid), cpu: 0, sequence: 0))
        }
        #expect(drafts.withLock { $0.count } == 4)
        clock.advance(by: .seconds(60))
        monitor.tick()
        let summary = drafts.withLock { $0.last }
        #expect(summary?.details["key"] == .string("deleted_executable (other subjects)"))
        #expect(summary?.details["aggregated"] == .integer(46))
    }

    @Test func policyFreezeFreezesTheAgentBeforeRecording() {
        let freezer = RecordingFreezer()
        let monitor = monitor(response: .freeze, freezer: freezer)
        exec(monitor, 1, exe: "/usr/bin/curl")
        #expect(freezer.frozen.withLock { $0 } == ["coder"])
        #expect(drafts.withLock { $0.first?.details["response"] } == .string("freeze"))
        // A finding naming no agent is never a freeze.
        table.set(Facts.process(2, uid: 1000, exe: "/tmp/x", file: ExecutableFile(deleted: true)))
        monitor.ingest(ProcEvent(kind: .exec(process: 2), cpu: 0, sequence: 0))
        #expect(freezer.frozen.withLock { $0.count } == 1)
        #expect(drafts.withLock { $0.last?.details["response"] } == .string("alert"))
    }

    @Test func aFailedFreezeIsRecordedAsAFailure() {
        let monitor = monitor(response: .freeze, freezer: RecordingFreezer(failing: true))
        exec(monitor, 1, exe: "/usr/bin/curl")
        let draft = drafts.withLock { $0.first }
        #expect(draft?.result == .failure && draft?.details["error"] != nil)
        #expect(monitor.statistics.freezeFailures == 1)
    }

    /// The agent's refused module call from the audit system names the agent by its uid.
    @Test func aRefusedModuleCallNamesTheAgent() throws {
        let monitor = monitor()
        let text = "pid=77 uid=61001 comm=\"perl\" exe=\"/usr/bin/perl\" arch=c000003e syscall=313 code=0x50000"
        monitor.ingest(try #require(SeccompRecord(text: Array(text.utf8))))
        let draft = drafts.withLock { $0.first }
        #expect(draft?.action == "ids.module_load_refused" && draft?.target == "coder")
        #expect(draft?.details["syscall"] == .string("finit_module"))
        // Another program's logged call that is no module call is not this IDS's business.
        monitor.ingest(try #require(SeccompRecord(text: Array("pid=1 uid=0 arch=c000003e syscall=59".utf8))))
        #expect(drafts.withLock { $0.count } == 1)
    }

    /// Every process event is observed (reduced) for the events window, and none of them is written to the ledger.
    @Test func everyEventIsObservedAndNoneRecorded() {
        let seen = Mutex<[ProcessObservation.Kind]>([])
        let monitor = ProcessMonitor(
            policy: IDSPolicy.defaults(), agents: .none, inspector: table,
            modules: ModuleWatch(path: "/nonexistent/modules"), freezer: nil, audit: { _ in },
            observe: { observation in seen.withLock { $0.append(observation.kind) } }, clock: clock)
        table.set(Facts.process(5, uid: 1000, exe: "/usr/bin/ls"))
        for kind: ProcEvent.Kind in [
            .fork(parent: 1, child: 5), .exec(process: 5), .uid(process: 5, thread: 5, real: 1000, effective: 1000),
            .exit(process: 5), .other,
        ] { monitor.ingest(ProcEvent(kind: kind, cpu: 0, sequence: 0)) }
        #expect(seen.withLock { $0 } == [.fork, .exec, .uid, .exit])
        let draft = ProcessObservation(kind: .exit, time: clock.now(), pid: 5).draft
        #expect(draft.eventType == .process && draft.action == "process.exit" && draft.agent == "host")
    }
}
