import Synchronization

/// The daemon's supervised agents, at most one supervisor per agent name.
public final class AgentRegistry: Sendable {
    public let spawner: AgentSpawner
    private let supervisors = Mutex<[String: AgentSupervisor]>([:])

    /// Reclaims the cgroups of agents whose launcher was killed (an earlier daemon) before anything starts.
    public init(spawner: AgentSpawner) {
        self.spawner = spawner
        spawner.reclaimOrphans()
    }

    /// Starts the agent under supervision; refused while it is already supervised (running or restarting).
    public func spawn(agent: String, command: [String], requestedBy: String) throws(AgentError) -> AgentStatus {
        try supervisors.withLock { (supervisors) throws(AgentError) -> AgentStatus in
            if let existing = supervisors[agent], existing.status.state != .stopped {
                throw .alreadyRunning(agent)
            }
            // Held while the agent starts (milliseconds): two spawns of one agent cannot race.
            let supervisor = try AgentSupervisor.start(
                agent: agent, command: command, spawner: spawner, requestedBy: requestedBy)
            supervisors[agent] = supervisor
            return supervisor.status
        }
    }

    /// Kills the agent and ends its supervision; its final status.
    public func stop(agent: String) async throws(AgentError) -> AgentStatus {
        guard let supervisor = supervisors.withLock({ $0[agent] }), supervisor.status.state != .stopped else {
            throw .notRunning(agent)
        }
        await supervisor.stop()
        return supervisor.status
    }

    /// Every agent started since the daemon started, by name.
    public func list() -> [AgentStatus] {
        supervisors.withLock { $0.values.map(\.status) }.sorted { $0.agent < $1.agent }
    }

    /// Stops every agent (the daemon is shutting down: nothing runs unsupervised).
    public func stopAll() async {
        for supervisor in supervisors.withLock({ Array($0.values) }) { await supervisor.stop() }
    }
}
