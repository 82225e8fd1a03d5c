import Capabilities
import Daemon

/// What the overview shows, read from the running daemon's own state (nothing here decides anything).
struct OverviewData {
    let core: DaemonCore
    let workers: Workers

    func values(now: Timestamp) -> [String: Any] {
        var values: [String: Any] = ["mode": core.emergency.modeName]
        if let record = core.emergency.record {
            values["manual"] = ["since": record.since, "by": record.by, "reason": record.reason]
        }
        let agents: [[String: Any]] = (workers.agents?.list() ?? []).map {
            [
                "agent": $0.agent, "state": $0.state.rawValue, "pid": $0.pid.map { "\($0)" } ?? "–",
                "command": $0.command.joined(separator: " "),
            ]
        }
        let grants: [[String: Any]] = core.authority.activeGrants(at: now).map {
            [
                "id": $0.id.description, "agent": $0.agent.description, "capability": $0.capability.description,
                "expires": $0.expiresAt?.rfc3339 ?? "never", "by": $0.issuedBy.description, "reason": $0.reason,
            ]
        }
        let pending: [[String: Any]] = core.pending.calls.map {
            [
                "id": $0.id, "agent": $0.agent, "tool": $0.tool, "capability": $0.capability,
                "risk": $0.risk.rawValue, "expires": $0.expiresAt.rfc3339,
            ]
        }
        values["agents"] = agents
        values["hasAgents"] = !agents.isEmpty
        values["grants"] = grants
        values["hasGrants"] = !grants.isEmpty
        values["pending"] = pending
        values["hasPending"] = !pending.isEmpty
        return values
    }
}
