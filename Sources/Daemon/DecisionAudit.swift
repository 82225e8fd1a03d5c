import AIOSProto
import Audit
import Capabilities

/// The ledger entries for decisions and tool results, and the decision as the API returns it.
enum DecisionAudit {
    /// Arguments as recorded: values longer than 256 bytes (file contents) are replaced by their length.
    static func redacted(_ arguments: [String: String]) -> [String: String] {
        arguments.mapValues { $0.utf8.count > 256 ? "<\($0.utf8.count) bytes>" : $0 }
    }

    static func decision(caller: Caller, call: ToolCall, verdict: GateVerdict, pendingID: String? = nil)
        -> AuditDraft
    {
        var details: [(key: String, value: JSONValue)] = [
            ("phase", .string("decision")), ("check", .string(verdict.check)),
            ("explanation", .string(verdict.explanation)),
            (
                "arguments",
                .object(redacted(call.arguments).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
            ),
        ]
        if !call.reason.isEmpty { details.append(("reason", .string(call.reason))) }
        if let pendingID { details.append(("pending_id", .string(pendingID))) }
        let result: AuditResult =
            switch verdict.outcome {
            case .allow: .success
            case .deny: .denied
            case .confirm: .pending
            }
        return AuditDraft(
            eventType: .toolCall, agent: caller.auditName, action: call.tool ?? "authorize",
            target: verdict.access?.normalizedResource ?? call.capability ?? "",
            capabilitiesUsed: verdict.allowance.map { [$0.capability.description] } ?? [], result: result,
            riskLevel: verdict.risk, details: .object(details),
            decidedBy: verdict.allowance.map { DecisionRecord($0.basis) }, taskID: taskID(call, verdict))
    }

    /// The task a call belongs to: a grant's own task when a grant decided (the caller's claim cannot move the
    /// call into another task), else what the caller said.
    static func taskID(_ call: ToolCall, _ verdict: GateVerdict) -> String? {
        if case .grant(_, _, let task?) = verdict.allowance?.source { return task.rawValue }
        return call.taskID
    }

    static func result(caller: Caller, call: ToolCall, verdict: GateVerdict, result: BrokerResult) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [("phase", .string("result"))]
        details += result.details.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }
        let outcome: AuditResult
        switch result.outcome {
        case .success: outcome = .success
        case .failure(let failure):
            outcome = .failure
            details.append(("error", .string(failure.message)))
        }
        return AuditDraft(
            eventType: result.eventType, agent: caller.auditName, action: call.tool ?? "",
            target: verdict.access?.normalizedResource ?? "",
            capabilitiesUsed: verdict.allowance.map { [$0.capability.description] } ?? [], result: outcome,
            riskLevel: verdict.risk, details: .object(details),
            decidedBy: verdict.allowance.map { DecisionRecord($0.basis) }, taskID: taskID(call, verdict))
    }

    /// A refused administrative call (grant by a non-orchestrator, confirm by an agent, …).
    static func refusal(
        caller: Caller, action: String, target: String, reason: String, eventType: AuditEventType = .toolCall
    )
        -> AuditDraft
    {
        AuditDraft(
            eventType: eventType, agent: caller.auditName, action: action, target: target, result: .denied,
            riskLevel: .high, details: .object([("reason", .string(reason))]))
    }

    static func message(_ verdict: GateVerdict, auditID: String) -> Aios_Security_V1_Decision {
        var decision = Aios_Security_V1_Decision()
        decision.allowed = verdict.outcome == .allow
        decision.capability = verdict.access?.description ?? ""
        decision.explanation = verdict.explanation
        decision.risk = verdict.risk.rawValue
        decision.requiresConfirmation = verdict.outcome == .confirm
        decision.auditID = auditID
        return decision
    }
}
