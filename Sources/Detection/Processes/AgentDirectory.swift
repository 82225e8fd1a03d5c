/// Who the agents are, as the host IDS needs to know them: the cgroup folder their cgroups live under, their uids,
/// and the programs each may run.
public struct AgentDirectory: Sendable {
    /// The folder below each hierarchy's root that holds the agents' cgroups (`aios`).
    public let cgroupParent: String
    /// Each agent's uid (policy `accounts`).
    public let uids: [UInt32: String]
    /// The programs (as `/proc/PID/exe` names them) the agent may run: its own binary, and those its
    /// `process:spawn:NAME` grants allow through the Broker. Asked at each exec in an agent's cgroup, so grants
    /// and spawns made since are seen.
    public let programs: @Sendable (String) -> Set<String>

    public init(cgroupParent: String, uids: [UInt32: String], programs: @escaping @Sendable (String) -> Set<String>) {
        self.cgroupParent = cgroupParent
        self.uids = uids
        self.programs = programs
    }

    /// No agents (a host without the daemon's agents).
    public static let none = AgentDirectory(cgroupParent: "aios", uids: [:], programs: { _ in [] })
}
