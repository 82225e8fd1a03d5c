import Capabilities
import Daemon
import Foundation

/// What the overview shows, read from the running daemon's own state (nothing here decides anything).
struct OverviewData {
    let core: DaemonCore
    let workers: Workers
    let feed: ConsoleFeed
    let expiries: [(label: String, path: String)]

    func values(now: Timestamp) -> [String: Any] {
        var values = AgentsData(core: core, workers: workers).values(now: now)
        values["mode"] = core.emergency.modeName
        if let record = core.emergency.record {
            values["manual"] = ["since": record.since, "by": record.by, "reason": record.reason]
        }
        values["pendingCount"] = core.pending.calls.count
        values["runningCount"] = (workers.agents?.list() ?? []).filter { $0.state != .stopped }.count
        values["grantCount"] = (values["grants"] as? [Any])?.count ?? 0
        values["reviewCount"] = (try? workers.reviews?.list(all: false, limit: 1).open) ?? 0
        if let analysis = workers.analysis?.snapshot {
            values["analysis"] = [
                "model": analysis.modelIdentifier.isEmpty ? "none" : analysis.modelIdentifier,
                "state": analysis.modelState, "score": analysis.lastScore.map { String(format: "%.2f", $0) } ?? "-",
                "escalation": analysis.escalationState,
            ]
        }
        for (key, value) in HealthData(core: core, expiries: expiries).values() { values[key] = value }
        values["alerts"] = feed.alerts.map {
            ["time": $0.time, "risk": $0.risk, "action": $0.action, "target": $0.target, "agent": $0.agent]
        }
        return values
    }
}
