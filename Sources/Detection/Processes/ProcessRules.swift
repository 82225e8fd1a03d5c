import Audit
import Capabilities
import Policy

/// The host IDS's process rules, fed the kernel's process events: it follows each process's credentials (inherited
/// at fork, read at exec, changed by the kernel's uid and gid events) and reads `/proc` at each exec and change, so
/// a finding carries what the process was. Not thread-safe (``ProcessMonitor`` holds it under a lock).
public struct ProcessRules: Sendable {
    struct Credentials: Sendable {
        var realUID: UInt32
        var effectiveUID: UInt32
        var realGID: UInt32
        var effectiveGID: UInt32
    }

    let policy: ProcessWatchPolicy
    let agents: AgentDirectory
    let inspector: any ProcessInspector
    private var credentials: [Int32: Credentials] = [:]
    /// Processes started (forked or exec'd) while the rules ran, oldest first, for the long-running rule; a pid
    /// whose entry in `born` no longer matches has exited (or been reused) and is skipped.
    private var births: [(pid: Int32, time: Timestamp)] = []
    private var birthsHead = 0
    private var born: [Int32: Timestamp] = [:]
    /// Processes already reported as running a deleted file, with the program.
    private var deletedReported: [Int32: String] = [:]
    /// Processes not followed because a table was full.
    public private(set) var untracked = 0

    public init(policy: ProcessWatchPolicy, agents: AgentDirectory, inspector: any ProcessInspector) {
        self.policy = policy
        self.agents = agents
        self.inspector = inspector
    }

    /// The findings of one event, and the reduced observation of it (nil for the kernel's other events).
    public mutating func observe(_ event: ProcEvent, now: Timestamp) -> ([HostAlert], ProcessObservation?) {
        switch event.kind {
        case .fork(let parent, let child):
            if let inherited = credentials[parent] { remember(child, inherited) }
            noteBirth(child, now)
            return ([], ProcessObservation(kind: .fork, time: now, pid: child, parent: parent))
        case .exec(let pid):
            noteBirth(pid, now)
            guard let facts = inspector.facts(of: pid) else {
                return ([], ProcessObservation(kind: .exec, time: now, pid: pid))
            }
            remember(pid, Credentials(facts))
            let agent = agent(of: facts)
            if facts.file?.deleted == true, let program = facts.executable { deletedReported[pid] = program }
            return (exec(facts, agent: agent, now: now), ProcessObservation(exec: facts, agent: agent?.name, now))
        case .uid(let pid, _, let real, let effective):
            let before = credentials[pid]
            var after = before ?? Credentials(realUID: real, effectiveUID: effective, realGID: 0, effectiveGID: 0)
            (after.realUID, after.effectiveUID) = (real, effective)
            remember(pid, after)
            let wasRoot = before.map { $0.realUID == 0 || $0.effectiveUID == 0 }
            // Unknown before: a real uid that is not root with an effective root is a setuid transition anyway.
            let escalated = (real == 0 || effective == 0) && (wasRoot == false || (wasRoot == nil && real != 0))
            let observation = ProcessObservation(
                kind: .uid, time: now, pid: pid, uid: (before?.realUID, before?.effectiveUID, real, effective))
            guard escalated else { return ([], observation) }
            return (escalation(.uidZero, pid, before: before?.realUID, after: effective, now: now), observation)
        case .gid(let pid, _, let real, let effective):
            let before = credentials[pid]
            if var after = before {
                (after.realGID, after.effectiveGID) = (real, effective)
                remember(pid, after)
            }
            let observation = ProcessObservation(kind: .gid, time: now, pid: pid, gid: (real, effective))
            // Only a process known not to be root (uid and gid) taking gid 0 counts.
            guard let before, before.realUID != 0, before.effectiveUID != 0, before.realGID != 0,
                before.effectiveGID != 0, real == 0 || effective == 0
            else { return ([], observation) }
            return (escalation(.gidZero, pid, before: before.realGID, after: effective, now: now), observation)
        case .exit(let pid):
            credentials.removeValue(forKey: pid)
            born.removeValue(forKey: pid)
            deletedReported.removeValue(forKey: pid)
            return ([], ProcessObservation(kind: .exit, time: now, pid: pid))
        case .acknowledgement, .other:
            return ([], nil)
        }
    }

    /// The agent a process belongs to: by its cgroup (and then the cgroup a freeze stops), else by its uid.
    func agent(of facts: ProcessFacts) -> (name: String, cgroup: String?)? {
        if let found = CgroupPaths.agent(in: facts.cgroups, parent: agents.cgroupParent) {
            return (found.agent, found.cgroup)
        }
        return (agents.uids[facts.realUID] ?? agents.uids[facts.effectiveUID]).map { ($0, nil) }
    }

    private func exec(_ facts: ProcessFacts, agent: (name: String, cgroup: String?)?, now: Timestamp) -> [HostAlert] {
        var alerts: [HostAlert] = []
        let program = facts.executable ?? "(unknown)"
        func alert(_ rule: HostAlert.Rule, _ summary: String, subject: String) {
            alerts.append(
                HostAlert(
                    rule: rule, time: now, subject: subject, summary: summary, agent: agent?.name,
                    cgroup: agent?.cgroup, evidence: facts.evidence(agent: agent?.name)))
        }
        if let agent, agent.cgroup != nil, !agents.programs(agent.name).contains(program) {
            alert(
                .unexpectedExec, "agent \(agent.name) ran \(program), which its capabilities do not allow",
                subject: agent.name)
        }
        if let file = facts.file {
            if file.deleted {
                alert(.deletedExecutable, "pid \(facts.pid) runs the deleted file \(program)", subject: program)
            }
            if file.onNoexecMount {
                alert(.noexecExecutable, "pid \(facts.pid) runs \(program) from a noexec mount", subject: program)
            }
            let agentUID = agents.uids[facts.realUID] ?? agents.uids[facts.effectiveUID]
            if file.raisesPrivileges, let agentUID {
                alert(
                    .privilegedExec,
                    "agent \(agentUID)'s uid \(facts.realUID) ran \(program), a setuid, setgid or file-capability program",
                    subject: agentUID)
            }
        }
        return alerts
    }

    private func escalation(_ rule: HostAlert.Rule, _ pid: Int32, before: UInt32?, after: UInt32, now: Timestamp)
        -> [HostAlert]
    {
        let facts = inspector.facts(of: pid)
        var agent = facts.flatMap { self.agent(of: $0) }
        if agent == nil, let before, let name = agents.uids[before] { agent = (name, nil) }
        if agent == nil, let program = facts?.executable, policy.allowedEscalations.contains(program) { return [] }
        let what = rule == .uidZero ? "uid" : "gid"
        let program = facts?.executable ?? "(exited)"
        var evidence: [(key: String, value: JSONValue)] = [
            ("\(what)_before", before.map { .integer(Int64($0)) } ?? .null), ("\(what)_after", .integer(Int64(after))),
        ]
        evidence += facts?.evidence(agent: agent?.name) ?? [("pid", .integer(Int64(pid)))]
        let summary = "pid \(pid) (\(program)) changed \(what) \(before.map(String.init) ?? "?") to 0"
        return [
            HostAlert(
                rule: rule, time: now, subject: agent?.name ?? program, summary: summary, agent: agent?.name,
                cgroup: agent?.cgroup, evidence: evidence)
        ]
    }

    /// Processes past the long-running limit: each is looked at once, and reported when it runs outside every
    /// systemd unit, agent cgroup and known cgroup.
    public mutating func expire(now: Timestamp) -> [HostAlert] {
        guard let limit = policy.longRunningAfter else { return [] }
        var alerts: [HostAlert] = []
        while birthsHead < births.count {
            let (pid, time) = births[birthsHead]
            guard now.millisecondsSinceEpoch - time.millisecondsSinceEpoch >= limit.milliseconds else { break }
            birthsHead += 1
            guard born[pid] == time else { continue }
            born.removeValue(forKey: pid)
            guard let facts = inspector.facts(of: pid), let program = facts.executable, agent(of: facts) == nil,
                !CgroupPaths.isManaged(facts.cgroups, known: policy.knownCgroups)
            else { continue }
            alerts.append(
                HostAlert(
                    rule: .unmanagedProcess, time: now, subject: program,
                    summary: "pid \(pid) (\(program)) has run for over \(limit) outside every unit and agent",
                    evidence: [("started", .string(time.rfc3339))] + facts.evidence(agent: nil)))
        }
        if birthsHead > 4096 && birthsHead * 2 > births.count {
            births.removeFirst(birthsHead)
            birthsHead = 0
        }
        return alerts
    }

    /// Every process whose program's file is deleted — the exec-time check cannot see a file unlinked after the
    /// exec, nor a process older than the IDS: each process and program reported once.
    public mutating func sweep(now: Timestamp) -> [HostAlert] {
        var alerts: [HostAlert] = []
        for pid in inspector.pids() where inspector.mayRunDeletedFile(pid) {
            guard let facts = inspector.facts(of: pid), let file = facts.file, file.deleted,
                let program = facts.executable, deletedReported[pid] != program
            else { continue }
            guard deletedReported[pid] != nil || deletedReported.count < policy.trackedProcesses else {
                untracked += 1
                continue
            }
            deletedReported[pid] = program
            let agent = agent(of: facts)
            alerts.append(
                HostAlert(
                    rule: .deletedExecutable, time: now, subject: program,
                    summary: "pid \(pid) runs the deleted file \(program)", agent: agent?.name, cgroup: agent?.cgroup,
                    evidence: facts.evidence(agent: agent?.name)))
        }
        return alerts
    }

    private mutating func remember(_ pid: Int32, _ value: Credentials) {
        guard credentials[pid] != nil || credentials.count < policy.trackedProcesses else {
            untracked += 1
            return
        }
        credentials[pid] = value
    }

    private mutating func noteBirth(_ pid: Int32, _ now: Timestamp) {
        guard policy.longRunningAfter != nil, born[pid] == nil else { return }
        guard births.count - birthsHead < policy.trackedProcesses else {
            untracked += 1
            return
        }
        born[pid] = now
        births.append((pid, now))
    }
}

extension ProcessRules.Credentials {
    init(_ facts: ProcessFacts) {
        self.init(
            realUID: facts.realUID, effectiveUID: facts.effectiveUID, realGID: facts.realGID,
            effectiveGID: facts.effectiveGID)
    }
}
