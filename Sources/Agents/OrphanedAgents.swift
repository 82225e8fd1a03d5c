import Audit
import Foundation
import Sandbox

/// The name of an agent's cgroup, `agent-<agent>-<launcher pid>-<8 hex digits>`: who runs in it, and which process
/// is responsible for removing it.
public struct AgentCgroupName: Sendable, Equatable {
    public let agent: String
    public let launcher: Int32
    public let suffix: String

    public init(agent: String, launcher: Int32, suffix: String = String(UUID().uuidString.prefix(8)).lowercased()) {
        self.agent = agent
        self.launcher = launcher
        self.suffix = suffix
    }

    /// nil for any other name (including agent cgroups of versions that did not name the launcher).
    public init?(_ name: String) {
        let fields = name.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, fields[0] == "agent", let launcher = Int32(fields[fields.count - 2]), launcher > 0,
            fields[fields.count - 1].count == 8, fields[fields.count - 1].allSatisfy(\.isHexDigit)
        else { return nil }
        self.init(
            agent: fields[1..<(fields.count - 2)].joined(separator: "-"), launcher: launcher,
            suffix: String(fields[fields.count - 1]))
    }

    public var description: String { "agent-\(agent)-\(launcher)-\(suffix)" }
}

extension AgentSpawner {
    /// Agents whose launcher died without cleaning up (SIGKILL, a crash): the kernel ended the agent with its
    /// launcher (PR_SET_PDEATHSIG on its PID 1), but its cgroups stayed and no `agent_shutdown` was recorded.
    /// Every launcher (`sandbox run`, the daemon) calls this when it starts: whatever is left in such a cgroup is
    /// killed, the end is recorded, then the cgroup is removed. A cgroup whose end cannot be recorded is kept, so
    /// the next start tries again. Returns the cgroups reclaimed.
    ///
    /// A launcher counts as alive while a process has its pid; a reused pid delays the reclaim until that process
    /// ends, never the other way round.
    @discardableResult
    public func reclaimOrphans() -> [String] {
        guard let confinement else { return [] }
        let tree = AgentCgroupTree(layout: confinement.layout, parent: confinement.cgroupParent)
        var reclaimed: [String] = []
        for group in tree.groups {
            guard let name = AgentCgroupName(group), !Self.isAlive(name.launcher) else { continue }
            let cgroup = AgentCgroup(layout: confinement.layout, existing: confinement.cgroupParent + "/" + group)
            let leftover = cgroup.processes.count
            try? cgroup.kill()
            let draft = AuditDraft(
                eventType: .agentShutdown, agent: name.agent, action: "agent.exit", target: "",
                capabilitiesUsed: [], result: .failure, riskLevel: .medium,
                details: .object([
                    ("reason", .string("launcher died (pid \(name.launcher)); reclaimed at the next start")),
                    ("cgroup", .string(cgroup.path)), ("processes_left", .number(Double(leftover))),
                ]))
            guard (try? audit(draft)) != nil else { continue }
            cgroup.remove()
            reclaimed.append(group)
        }
        return reclaimed
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
    }
}
