import Audit
import Capabilities
import Foundation
import Policy
import Sandbox
import Synchronization

/// What a supervised agent is doing now (for `ListAgents`).
public struct AgentStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case running
        /// Waiting out the back-off before the next start.
        case restarting
        /// Ended and not started again (by policy, by request, or because it could not start).
        case stopped
    }

    public var agent: String
    public var command: [String]
    public var state: State
    public var pid: Int32?
    public var restarts: Int
    public var lastExitStatus: Int32?
    public var lastReason: String?
}

/// Keeps one agent running under watch: samples its cgroup, records what the watchdog finds, acts as the
/// policy says (alert, restart with doubling back-off, stop) and records every end of the process.
public final class AgentSupervisor: Sendable {
    public let agent: String
    public let command: [String]
    private let spawner: AgentSpawner
    private let interval: Duration
    private let state: Mutex<AgentStatus>
    private let stopRequested = Atomic<Bool>(false)
    private let loop: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Starts the agent (failing if the first start fails) and supervises it until `stop()`.
    public static func start(
        agent: String, command: [String], spawner: AgentSpawner, requestedBy: String? = nil,
        interval: Duration = .milliseconds(200)
    ) throws(AgentError) -> AgentSupervisor {
        let first = try spawner.spawn(agent: agent, command: command, requestedBy: requestedBy)
        let supervisor = AgentSupervisor(agent: agent, command: command, spawner: spawner, interval: interval)
        supervisor.state.withLock { $0.pid = first.pid }
        let owned = OwnedAgent(first)
        let task = Task.detached { await supervisor.supervise(owned.take()) }
        supervisor.loop.withLock { $0 = task }
        return supervisor
    }

    private init(agent: String, command: [String], spawner: AgentSpawner, interval: Duration) {
        self.agent = agent
        self.command = command
        self.spawner = spawner
        self.interval = interval
        state = Mutex(
            AgentStatus(
                agent: agent, command: command, state: .running, pid: nil, restarts: 0, lastExitStatus: nil,
                lastReason: nil))
    }

    public var status: AgentStatus { state.withLock { $0 } }

    /// Kills the agent (its whole cgroup), records the shutdown, and returns once supervision has ended.
    public func stop() async {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        await loop.withLock { $0 }?.value
    }

    /// Returns once supervision has ended by itself (the policy said stop) or by `stop()`.
    public func waitUntilStopped() async { await loop.withLock { $0 }?.value }

    private var stopping: Bool { stopRequested.load(ordering: .sequentiallyConsistent) }
    private var policy: WatchdogPolicy { spawner.policy.sandbox.watchdog }

    private func supervise(_ first: RunningAgent) async {
        var current: RunningAgent? = first
        var backoff = Self.duration(policy.backoff)
        while true {
            var ran = Duration.zero
            if let running = current {
                let end = await watch(running)
                ran = ContinuousClock.now - running.startedAt
                current = nil  // reaps and removes the cgroup
                record(end, restarts: status.restarts)
                state.withLock {
                    $0.lastExitStatus = end.status
                    $0.lastReason = end.reason
                    $0.pid = nil
                }
                guard end.action == .restart, !stopping else { break }
            } else if stopping {
                break
            }
            // A run longer than the longest back-off was healthy: start counting again.
            if ran >= Self.duration(policy.maximumBackoff) { backoff = Self.duration(policy.backoff) }
            state.withLock { $0.state = .restarting }
            guard await sleepUnlessStopped(backoff) else { break }
            backoff = min(backoff * 2, Self.duration(policy.maximumBackoff))
            do {
                let next = try spawner.spawn(agent: agent, command: command, requestedBy: "watchdog")
                state.withLock {
                    $0.restarts += 1
                    $0.pid = next.pid
                    $0.state = .running
                }
                current = next
            } catch {
                state.withLock { $0.lastReason = "\(error)" }
            }
        }
        spawner.withdrawIdentity(of: agent)
        state.withLock { $0.state = .stopped }
    }

    struct End {
        var status: Int32
        var reason: String
        var action: WatchdogAction
    }

    /// Watches until the agent ends; returns why, and what the policy says to do next.
    private func watch(_ running: RunningAgent) async -> End {
        var watchdog = Watchdog(policy: policy)
        let start = ContinuousClock.now
        var decided: (reason: String, action: WatchdogAction)? = nil
        func look() {
            guard let sample = running.cgroup?.sample() else { return }
            let elapsed = (ContinuousClock.now - start).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            for finding in watchdog.observe(sample, at: seconds) {
                let action = finding.action(in: policy)
                recordAlert(finding, action: action, executable: running.executable)
                if action != .alert, decided == nil || finding.kind == "oom_kill" {
                    decided = ("watchdog: \(finding.kind)", action)
                }
            }
        }
        while true {
            if stopping { return End(status: running.kill(), reason: "stopped on request", action: .stop) }
            if let status = running.poll() {
                look()  // an OOM kill that ended it shows in the counters after the exit
                let (reason, action) = decided ?? ("exited", policy.onExit)
                return End(status: status, reason: reason, action: action)
            }
            look()
            if let decided { return End(status: running.kill(), reason: decided.reason, action: decided.action) }
            try? await Task.sleep(for: interval)
        }
    }

    private func sleepUnlessStopped(_ duration: Duration) async -> Bool {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if stopping { return false }
            try? await Task.sleep(for: min(.milliseconds(50), deadline - ContinuousClock.now))
        }
        return !stopping
    }

    private func record(_ end: End, restarts: Int) {
        let draft = AuditDraft(
            eventType: .agentShutdown, agent: agent, action: "agent.exit", target: command.first ?? "",
            capabilitiesUsed: [], result: end.status == 0 ? .success : .failure, riskLevel: .medium,
            details: .object([
                ("exit_status", .number(Double(end.status))), ("reason", .string(end.reason)),
                ("next", .string(end.action.rawValue)), ("restarts", .number(Double(restarts))),
            ]))
        emit(draft)
    }

    private func recordAlert(_ finding: WatchdogFinding, action: WatchdogAction, executable: String) {
        var details: [(key: String, value: JSONValue)] = [("finding", .string(finding.kind))]
        switch finding {
        case .cpuPegged(let seconds): details.append(("pegged_seconds", .number(seconds)))
        case .memoryNearLimit(let bytes, let limit):
            details += [("memory_bytes", .number(Double(bytes))), ("memory_limit", .number(Double(limit)))]
        case .pidsNearLimit(let count, let limit):
            details += [("pids", .number(Double(count))), ("pids_limit", .number(Double(limit)))]
        case .oomKilled(let count): details.append(("oom_kills", .number(Double(count))))
        }
        details.append(("action", .string(action.rawValue)))
        emit(
            AuditDraft(
                eventType: .securityAlert, agent: agent, action: "watchdog.\(finding.kind)", target: executable,
                capabilitiesUsed: [], result: .failure, riskLevel: .high, details: .object(details)))
    }

    private func emit(_ draft: AuditDraft) {
        do {
            try spawner.audit(draft)
        } catch {
            FileHandle.standardError.write(
                Data(
                    "aios-sec: the ledger could not record \(draft.eventType.rawValue) \(draft.action): \(error)\n".utf8
                ))
        }
    }

    static func duration(_ grant: GrantDuration) -> Duration { .milliseconds(grant.milliseconds) }
}

/// Hands the first process to the supervising task (the only owner from then on).
private final class OwnedAgent: @unchecked Sendable {
    private var agent: RunningAgent?
    init(_ agent: RunningAgent) { self.agent = agent }
    func take() -> RunningAgent {
        defer { agent = nil }
        return agent!
    }
}
