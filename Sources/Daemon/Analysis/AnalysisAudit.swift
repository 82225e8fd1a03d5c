import Audit
import Detection
import Policy

/// The analysis loop's ledger entries and the tool calls its verdicts become.
enum AnalysisAudit {
    /// A window the model scored above the threshold.
    static func risk(
        score: Double, events: Int, features: [(name: String, value: Double)],
        agent policy: AnalysisPolicy
    ) -> AuditDraft {
        AuditDraft(
            eventType: .securityAlert, agent: policy.actor.rawValue, action: "analysis.risk",
            target: "window",
            result: .success, riskLevel: score > 0.9 ? .critical : .high,
            details: .object([
                ("score", .number(score)), ("threshold", .number(policy.threshold)),
                ("events", .integer(Int64(events))),
                ("window_seconds", .integer(policy.window.milliseconds / 1_000)),
                ("features", .object(features.map { ($0.name, .number($0.value)) })),
            ]))
    }

    /// A validated verdict, as the model gave it (its summary is the model's text: data, never an instruction).
    static func verdict(_ verdict: ThreatVerdict, agent policy: AnalysisPolicy) -> AuditDraft {
        AuditDraft(
            eventType: .securityAlert, agent: policy.actor.rawValue, action: "analysis.verdict",
            target: verdict.threat ? "threat" : "benign", result: .success,
            riskLevel: verdict.threat ? .high : .low,
            details: .object([
                ("threat", .bool(verdict.threat)), ("confidence", .number(verdict.confidence)),
                ("summary", .string(verdict.summary)),
                (
                    "actions",
                    .array(
                        verdict.actions.map {
                            .object([("action", .string($0.kind.rawValue)), ("target", .string($0.target))])
                        })
                ),
            ]))
    }

    /// An answer that failed validation: nothing of it was acted on.
    static func rejected(_ rejection: VerdictRejection, agent policy: AnalysisPolicy) -> AuditDraft {
        AuditDraft(
            eventType: .securityAlert, agent: policy.actor.rawValue, action: "analysis.verdict_rejected",
            target: "answer", result: .denied, riskLevel: .high,
            details: .object([("reasons", .array(rejection.reasons.map(JSONValue.string)))]))
    }

    /// The `sec.*` call an action becomes; nil for a suggestion (people act on those).
    static func call(for action: ResponseAction, verdict: ThreatVerdict) -> ToolCall? {
        let reason =
            "analysis verdict (confidence \(verdict.confidence)): \(verdict.summary.prefix(512))"
        let (tool, arguments): (String, [String: String])
        switch action {
        case .blockAddress(let address):
            (tool, arguments) = ("sec.block_address", ["address": address.description])
        case .freezeAgent(let agent): (tool, arguments) = ("sec.freeze_agent", ["agent": agent])
        case .stopAgent(let agent): (tool, arguments) = ("sec.stop_agent", ["agent": agent])
        case .revokeGrant(let grant): (tool, arguments) = ("sec.revoke_grant", ["grant": grant])
        case .killTask(let task): (tool, arguments) = ("sec.kill_task", ["task": task])
        case .raiseAlert(let summary):
            (tool, arguments) = (
                "sec.raise_alert", ["name": "analysis", "message": String(summary.prefix(1_024))]
            )
        case .suggestEmergencyStop: return nil
        }
        var withReason = arguments
        if withReason["message"] == nil { withReason["reason"] = reason }
        return ToolCall(tool: tool, arguments: withReason, capability: nil, reason: reason, taskID: nil)
    }
}
