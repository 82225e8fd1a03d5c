import Agents
import Audit
import Capabilities
import Emergency
import Foundation
import Sandbox
import Synchronization

/// The emergency stop and the way back. A stop closes the Gate (one atomic store), holds every spawner and freezes
/// every agent at once (one write to the agents' parent cgroup), then — the system already stopped — writes the
/// manual-mode file, denies the pending calls, suspends (revokes) every grant, kills running tasks, records the
/// stop, and arms the policy's freeze timeout, after which the frozen agents are killed. The firewall, the IDS and
/// management access are untouched. Only a resume signed by enough registered operators ends manual mode.
public final class EmergencyStopper: Sendable {
    /// What the stop reaches besides the Gate (each nil where this daemon does not run it).
    public struct Machinery: Sendable {
        public var agentTree: AgentCgroupTree?
        public var agents: AgentRegistry?
        /// Shared by every spawner of the daemon.
        public var hold: SpawnHold?
        /// Kills the programs agents started through the Broker.
        public var killBrokerPrograms: @Sendable () -> Void
        public var tasks: TaskRunner?
        public var stateFile: ManualModeFile?
        public var host: String

        public init(
            agentTree: AgentCgroupTree? = nil, agents: AgentRegistry? = nil, hold: SpawnHold? = nil,
            killBrokerPrograms: @escaping @Sendable () -> Void = {}, tasks: TaskRunner? = nil,
            stateFile: ManualModeFile? = nil, host: String = ProcessInfo.processInfo.hostName
        ) {
            self.agentTree = agentTree
            self.agents = agents
            self.hold = hold
            self.killBrokerPrograms = killBrokerPrograms
            self.tasks = tasks
            self.stateFile = stateFile
            self.host = host
        }
    }

    public struct StopReport: Sendable {
        public var record: ManualModeRecord
        /// False when the system was already in manual mode (the earlier stop's record is kept).
        public var newStop: Bool
        public var agentsFrozen: Int
        public var tasksKilled: Int
        public var grantsSuspended: Int
        public var pendingDenied: Int
        /// From the call to agents frozen and the Gate closed.
        public var elapsed: Duration
        public var killAt: Timestamp?
        public var auditID: String
        public var problems: [String]
    }

    let core: DaemonCore
    let machinery: Machinery
    private let killTimer = Mutex<Task<Void, Never>?>(nil)
    /// The agents that were running when the system stopped (`restart` on resume starts them again).
    let stoppedAgents = Mutex<[(agent: String, command: [String])]>([])
    let challenges = Mutex<[String: IssuedChallenge]>([:])
    /// Stops operators resumed: a record of one of them (a manual-mode file read just before the resume removed
    /// it) never stops the system again.
    let resolvedStops = Mutex<Set<String>>([])

    public init(core: DaemonCore, machinery: Machinery = Machinery()) {
        self.core = core
        self.machinery = machinery
    }

    /// Stops the system. `adopting`: the record `aios-sec estop` or `recovery` wrote while the daemon did not
    /// answer (the stop keeps its id, time and author). Never throws: a part that fails is reported and recorded,
    /// and the rest still happens — the Gate closes first, whatever else goes wrong.
    public func stop(by principal: Principal, name: String, reason: String, adopting: ManualModeRecord? = nil) async
        -> StopReport
    {
        let start = ContinuousClock.now
        let now = core.clock.now()
        let candidate = adopting ?? ManualModeRecord(since: now.rfc3339, by: name, reason: reason)
        let newStop = core.emergency.halt(candidate)
        let record = core.emergency.record ?? candidate
        machinery.hold?.engage("manual mode since \(record.since) (emergency stop by \(record.by))")
        var problems: [String] = []
        var frozen = 0
        if let tree = machinery.agentTree, tree.exists {
            do {
                try tree.freezeAll(timeout: .seconds(2))
                frozen = tree.groups.count
            } catch {
                problems.append("freezing the agents' cgroups: \(error)")
            }
        }
        let elapsed = ContinuousClock.now - start
        if newStop {
            let running = machinery.agents?.list().filter { $0.state != .stopped } ?? []
            stoppedAgents.withLock { $0 = running.map { ($0.agent, $0.command) } }
        }
        do {
            try machinery.stateFile?.write(record)
        } catch {
            problems.append("\(error)")
        }
        let denied = core.pending.denyAll(by: name, reason: "emergency stop")
        let suspended = await suspendGrants(by: principal, name: name, at: now)
        var killed: [String] = []
        if let tasks = machinery.tasks {
            do {
                killed = try tasks.killAll()
            } catch {
                problems.append("killing tasks: \(error)")
            }
        }
        let killAt = newStop ? armFreezeTimeout(record, from: now) : nil
        var report = StopReport(
            record: record, newStop: newStop, agentsFrozen: frozen, tasksKilled: killed.count,
            grantsSuspended: suspended, pendingDenied: denied, elapsed: elapsed, killAt: killAt, auditID: "",
            problems: problems)
        let entry = await recordOrNote(EmergencyAudit.stop(report, requestedBy: name, reason: reason))
        report.auditID = entry?.id ?? ""
        if let entry, newStop {
            core.emergency.noteRecorded(auditID: entry.id)
            try? machinery.stateFile?.write(core.emergency.record ?? record)
        }
        return report
    }

    /// Every active grant ends now (manual mode restores none: the orchestrator grants afresh after a resume).
    private func suspendGrants(by principal: Principal, name: String, at now: Timestamp) async -> Int {
        var count = 0
        for grant in core.authority.activeGrants(at: now) {
            guard
                case .revoked(let ended) = core.authority.revoke(
                    grant.id, reason: "emergency stop", by: principal, at: now)
            else { continue }
            for revoked in ended { await core.recordOrReport(GrantAudit.revoked(revoked, by: name)) }
            count += ended.count
        }
        return count
    }

    /// After the policy's freeze timeout, agents still frozen under this stop are killed (nil: they stay frozen).
    private func armFreezeTimeout(_ record: ManualModeRecord, from now: Timestamp) -> Timestamp? {
        guard let timeout = core.policy.emergency.freezeTimeout else { return nil }
        let task = Task { [self] in
            try? await Task.sleep(for: .milliseconds(timeout.milliseconds))
            guard !Task.isCancelled, core.emergency.record?.id == record.id else { return }
            await killAgents(reason: "freeze timeout (\(timeout)) of the emergency stop \(record.id)")
        }
        killTimer.withLock {
            $0?.cancel(); $0 = task
        }
        return now.adding(timeout)
    }

    /// Kills every agent and Broker program (supervision ends: nothing restarts them) and records it.
    func killAgents(reason: String) async {
        let count = machinery.agentTree?.groups.count ?? 0
        let problem = await killEverything()
        await core.recordOrReport(EmergencyAudit.killed(count: count, reason: reason, problem: problem))
    }

    /// The whole tree first, through the parent cgroup: a frozen process dies only when thawed on cgroup v1, which
    /// the tree's kill does (freeze, SIGKILL each, thaw) and a single agent's cannot under a frozen parent. Then the
    /// supervisors, which find their processes dead, and the Broker's programs.
    func killEverything() async -> String? {
        var problem: String? = nil
        if let tree = machinery.agentTree {
            do {
                try tree.killAll()
            } catch {
                problem = "\(error)"
            }
        }
        machinery.killBrokerPrograms()
        await machinery.agents?.stopAll()
        return problem
    }

    func cancelFreezeTimeout() {
        killTimer.withLock {
            $0?.cancel(); $0 = nil
        }
    }

    /// Records; a ledger that cannot write does not undo a stop (the stop matters more than its entry), so the
    /// failure is reported instead.
    private func recordOrNote(_ draft: AuditDraft) async -> AuditEntry? {
        do {
            return try await core.ledger.append(draft)
        } catch {
            FileHandle.standardError.write(
                Data("aios-sec: the ledger could not record the emergency stop: \(error)\n".utf8))
            return nil
        }
    }
}
