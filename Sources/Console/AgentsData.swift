import Capabilities
import Daemon

/// The agents the daemon runs and the grants in force, with who granted each and why (read from the daemon's own
/// state; nothing here decides anything).
struct AgentsData {
    let core: DaemonCore
    let workers: Workers

    func values(now: Timestamp) -> [String: Any] {
        let agents: [[String: Any]] = (workers.agents?.list() ?? []).map {
            [
                "agent": $0.agent, "state": $0.state.rawValue, "pid": $0.pid.map { "\($0)" } ?? "–",
                "command": $0.command.joined(separator: " "), "restarts": $0.restarts,
                "running": $0.state != .stopped, "lastReason": $0.lastReason ?? "",
            ]
        }
        let grants: [[String: Any]] = core.authority.activeGrants(at: now).map {
            [
                "id": $0.id.description, "agent": $0.agent.description, "capability": $0.capability.description,
                "expires": $0.expiresAt?.rfc3339 ?? "never", "by": $0.issuedBy.description, "reason": $0.reason,
                "issued": $0.issuedAt.rfc3339, "task": $0.taskID?.description ?? "",
            ]
        }
        return [
            "agents": agents, "hasAgents": !agents.isEmpty, "spawns": workers.agents != nil, "grants": grants,
            "hasGrants": !grants.isEmpty,
        ]
    }
}
