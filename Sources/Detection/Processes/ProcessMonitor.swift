import Audit
import Capabilities
import Foundation
import Policy
import Synchronization

/// What the host IDS calls to stop an offending agent: freezes every cgroup of `agent` (`cgroup`: the one the
/// process ran in, when known). Called on the monitor's thread with no lock held; a throw is recorded in the alert.
public protocol AgentFreezer: Sendable {
    func freeze(agent: String, cgroup: String?) throws
}

/// The host IDS for processes and the kernel: the kernel's process events (``ProcConnector``) through the
/// ``ProcessRules``, `/proc/modules` through a ``ModuleWatch``, the agents' refused module calls from the audit
/// system (``AuditLogReader``). Each finding is a `security_alert` through `audit` — one by one up to the policy's
/// number per rule, subject and window, then one summary per window (the network IDS's ``AlertAggregator``; past
/// that many subjects of a rule in a window, its new subjects share one key: ``SubjectBudget``) — and,
/// when policy says `freeze`, the offending agent is frozen first. Every process event is handed to `observe`
/// (reduced, for the events window), never to the ledger.
public final class ProcessMonitor: Sendable {
    public let policy: IDSPolicy
    private let rules: Mutex<ProcessRules>
    private let modules: Mutex<ModuleWatch>
    private let aggregator: Mutex<AlertAggregator>
    private let budget: Mutex<SubjectBudget>
    private let freezer: (any AgentFreezer)?
    private let audit: AuditSink
    private let observe: @Sendable (ProcessObservation) -> Void
    private let clock: any SecurityClock
    private let sweepInterval: Duration
    private let schedule = Mutex((sweep: ContinuousClock.now, modules: ContinuousClock.now, lost: 0))
    private let counters = Mutex(HostIDSStatistics())
    private let threads = Mutex<[DispatchSemaphore]>([])
    private let stoppers = Mutex<[@Sendable () -> Void]>([])
    private let failures = Mutex<[DetectionError]>([])
    private let connector = Mutex<ProcConnector?>(nil)

    /// `sweepInterval`: how often every process is checked for a deleted program (the exec-time check cannot see
    /// a file deleted later).
    public init(
        policy: IDSPolicy, agents: AgentDirectory, inspector: any ProcessInspector = LiveProcessInspector(),
        modules: ModuleWatch = ModuleWatch(), freezer: (any AgentFreezer)?, audit: @escaping AuditSink,
        observe: @escaping @Sendable (ProcessObservation) -> Void = { _ in }, clock: any SecurityClock = SystemClock(),
        sweepInterval: Duration = .seconds(30)
    ) {
        self.policy = policy
        rules = Mutex(ProcessRules(policy: policy.processes, agents: agents, inspector: inspector))
        self.modules = Mutex(modules)
        aggregator = Mutex(AlertAggregator(individually: policy.alertsPerWindow, window: policy.alertWindow))
        budget = Mutex(SubjectBudget(perRule: policy.alertsPerWindow, window: policy.alertWindow))
        self.freezer = freezer
        self.audit = audit
        self.observe = observe
        self.clock = clock
        self.sweepInterval = sweepInterval
        // The first reading of /proc/modules is the baseline.
        _ = self.modules.withLock { $0.poll(now: clock.now()) }
    }

    public var statistics: HostIDSStatistics {
        var statistics = counters.withLock { $0 }
        statistics.untracked = rules.withLock { $0.untracked }
        statistics.kernel = connector.withLock { $0?.statistics } ?? ProcConnectorStatistics()
        return statistics
    }

    /// Errors that ended a source.
    public var errors: [DetectionError] { failures.withLock { $0 } }

    /// One process event.
    public func ingest(_ event: ProcEvent) {
        let now = clock.now()
        let (alerts, observation) = rules.withLock { $0.observe(event, now: now) }
        if let observation {
            observe(observation)
            counters.withLock { $0.events += 1 }
        }
        respond(to: alerts, now: now)
    }

    /// One seccomp record: a refused module call is an alert naming the agent (by uid, else by cgroup).
    public func ingest(_ record: SeccompRecord) {
        guard let call = record.moduleCall else { return }
        let now = clock.now()
        let (agent, facts): ((name: String, cgroup: String?)?, ProcessFacts?) = rules.withLock { rules in
            let facts = rules.inspector.facts(of: record.pid)
            let found = facts.flatMap { rules.agent(of: $0) }
            guard let name = rules.agents.uids[record.uid] else { return (found, facts) }
            return ((name, found?.cgroup), facts)
        }
        var evidence: [(key: String, value: JSONValue)] = [
            ("syscall", .string(call)), ("pid", .integer(Int64(record.pid))), ("uid", .integer(Int64(record.uid))),
            ("comm", .string(record.command)), ("exe", .string(record.executable)),
        ]
        if let facts {
            evidence += facts.evidence(agent: agent?.name).filter { $0.key == "argv" || $0.key == "cgroup" }
        }
        let who = agent.map { "agent \($0.name)" } ?? "uid \(record.uid)"
        respond(
            to: [
                HostAlert(
                    rule: .moduleLoadRefused, time: now, subject: agent?.name ?? record.executable,
                    summary: "\(who) tried \(call) (pid \(record.pid), \(record.executable)); seccomp refused it",
                    agent: agent?.name, cgroup: agent?.cgroup, evidence: evidence)
            ], now: now)
    }

    /// Long runners, the deleted-program sweep and `/proc/modules` when their time has come, lost events, and the
    /// alert windows that ended. The sources call it about every 250 ms.
    public func tick() {
        let now = clock.now()
        let instant = ContinuousClock.now
        let pollEvery = Duration.milliseconds(policy.kernel.modulesPollInterval.milliseconds)
        let (sweep, poll) = schedule.withLock { schedule in
            let sweep = instant >= schedule.sweep
            let poll = instant >= schedule.modules
            if sweep { schedule.sweep = instant + sweepInterval }
            if poll { schedule.modules = instant + pollEvery }
            return (sweep, poll)
        }
        var alerts = rules.withLock { $0.expire(now: now) }
        if sweep { alerts += rules.withLock { $0.sweep(now: now) } }
        if poll { alerts += modules.withLock { $0.poll(now: now) } }
        respond(to: alerts, now: now)
        if let kernel = connector.withLock({ $0?.statistics }) {
            let lost = kernel.lost + kernel.overruns
            let new = schedule.withLock { schedule in
                defer { schedule.lost = lost }
                return lost - schedule.lost
            }
            if new > 0 { recordLost(new, source: "proc_connector") }
        }
        record(aggregator.withLock { $0.close(now: now) })
    }

    /// Events a source lost: counted, and an `ids.event_loss` alert (the first of a window at once).
    public func recordLost(_ count: Int, source: String) {
        counters.withLock { $0.lost += count }
        let now = clock.now()
        record(aggregator.withLock { $0.recordLoss(count, source: source, now: now) }.map { [$0] } ?? [])
    }

    /// Freezes first (when policy says so and the alert names an agent), then records.
    func respond(to alerts: [HostAlert], now: Timestamp) {
        for alert in alerts {
            var outcome = HostAlert.Outcome.alerted
            if policy.processes.response == .freeze, let agent = alert.agent, let freezer {
                do {
                    try freezer.freeze(agent: agent, cgroup: alert.cgroup)
                    outcome = .frozen
                } catch {
                    outcome = .freezeFailed("\(error)")
                }
            }
            let failed = if case .freezeFailed = outcome { true } else { false }
            let key = budget.withLock { $0.key(for: alert, now: now) }
            let (closed, individually) = aggregator.withLock { aggregator in
                (
                    aggregator.close(now: now),
                    aggregator.admit(
                        key: key, rule: alert.rule.rawValue, subject: alert.subject, acted: outcome == .frozen,
                        failed: failed, now: now)
                )
            }
            record(closed + (individually ? [alert.auditDraft(outcome: outcome)] : []))
            counters.withLock { statistics in
                statistics.alerts += 1
                if !individually { statistics.aggregatedAlerts += 1 }
                if outcome == .frozen { statistics.freezes += 1 }
                if failed { statistics.freezeFailures += 1 }
            }
        }
    }

    private func record(_ drafts: [AuditDraft]) {
        for draft in drafts {
            do {
                try audit(draft)
            } catch {
                counters.withLock {
                    $0.auditFailures += 1
                    $0.lastAuditError = "\(error)"
                }
            }
        }
    }

    /// Reads `connector` (and `auditLog`, when given) on threads of their own until ``stop()``.
    public func start(connector source: ProcConnector, auditLog: AuditLogReader?) {
        connector.withLock { $0 = source }
        spawn("aios-hids-proc", stop: { source.stop() }) { [self] () throws(DetectionError) in
            try source.run({ ingest($0) }, idle: { tick() })
        }
        if let auditLog {
            spawn("aios-hids-audit", stop: { auditLog.stop() }) { [self] () throws(DetectionError) in
                try auditLog.run { ingest($0) }
            }
        }
    }

    /// Stops the sources (within 250 ms), waits for their threads, and records every open window's summary.
    public func stop() {
        for stop in stoppers.withLock({ $0 }) { stop() }
        for done in threads.withLock({ list in
            defer { list.removeAll() }
            return list
        }) { done.wait() }
        record(aggregator.withLock { $0.close(now: nil) })
    }

    private func spawn(
        _ name: String, stop: @escaping @Sendable () -> Void,
        _ body: @escaping @Sendable () throws(DetectionError) -> Void
    ) {
        let done = DispatchSemaphore(value: 0)
        threads.withLock { $0.append(done) }
        stoppers.withLock { $0.append(stop) }
        SourceThread.start(name, done: done, failed: { [self] error in failures.withLock { $0.append(error) } }, body)
    }
}

/// What a ``ProcessMonitor`` has seen and done.
public struct HostIDSStatistics: Hashable, Sendable {
    /// Process events observed (forks, execs, credential changes, exits).
    public var events = 0
    public var alerts = 0
    /// Alerts recorded only in their window's summary.
    public var aggregatedAlerts = 0
    public var freezes = 0
    public var freezeFailures = 0
    public var auditFailures = 0
    public var lastAuditError: String?
    /// Kernel events lost (sequence gaps, overruns), never silently zero.
    public var lost = 0
    /// Processes not followed because a table was full.
    public var untracked = 0
    public var kernel = ProcConnectorStatistics()
}
