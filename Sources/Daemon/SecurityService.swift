import AIOSProto
import Audit
import Capabilities
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Guard
import PKI
import X509

/// The gRPC API. Every handler takes the caller from its certificate (`caller(_:)`, the same reading the identity
/// interceptor enforced) and records what it decided in the ledger before it answers or acts.
public struct SecurityService: Aios_Security_V1_SecurityService.SimpleServiceProtocol {
    let core: DaemonCore
    let broker: Broker
    let workers: Workers
    /// Counts the Gate's rate-limit denials instead of recording each (nil: each is recorded).
    let refusals: RefusalRecorder?
    /// Issues renewed certificates (nil: `RenewIdentity` is unavailable, as in tests without a CA).
    let identities: IdentityIssuer?
    /// Running agents' identities: a certificate an agent renews for itself is revoked with them when it stops.
    let agentIdentities: AgentIdentities?
    /// The emergency stop and the signed resume.
    let stopper: EmergencyStopper

    public init(
        core: DaemonCore, broker: Broker, workers: Workers = Workers(), refusals: RefusalRecorder? = nil,
        identities: IdentityIssuer? = nil, agentIdentities: AgentIdentities? = nil, stopper: EmergencyStopper? = nil
    ) {
        self.stopper = stopper ?? EmergencyStopper(core: core)
        self.identities = identities
        self.agentIdentities = agentIdentities
        self.core = core
        self.broker = broker
        self.workers = workers
        self.refusals = refusals
    }

    /// Records a decision. A rate-limit denial is a flood by definition: the first of a caller's in a window is
    /// recorded in full, the rest counted into one summary entry (their answers then carry no audit id).
    func recordDecision(_ caller: Caller, _ call: ToolCall, _ verdict: GateVerdict) async throws -> AuditEntry? {
        let draft = DecisionAudit.decision(caller: caller, call: call, verdict: verdict)
        guard verdict.check == "rate", let refusals else { return try await core.record(draft) }
        await refusals.refused(.init(kind: .rate, source: caller.auditName, reason: "gate rate limit")) { draft }
        return nil
    }

    /// The most a request's arguments may hold (file contents included).
    static let maximumArgumentBytes = 4 << 20

    func checkSize(_ arguments: [String: String]) throws {
        let total = arguments.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard total <= Self.maximumArgumentBytes else {
            throw RPCError(
                code: .resourceExhausted,
                message: "the arguments hold \(total) bytes; the limit is \(Self.maximumArgumentBytes) (4 MiB)")
        }
    }

    func caller(_ context: ServerContext) throws -> Caller {
        switch Caller.from(peerCertificate(context), denyList: core.denyList) {
        case .success(let caller): return caller
        case .failure(let error): throw StatusMapping.error(error)
        }
    }

    func peerCertificate(_ context: ServerContext) -> Certificate? {
        (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
    }

    // MARK: Decisions

    public func authorize(
        request: Aios_Security_V1_AuthorizeRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_AuthorizeResponse {
        let caller = try caller(context)
        try checkSize(request.arguments)
        let call = ToolCall(
            tool: request.tool.isEmpty ? nil : request.tool, arguments: request.arguments,
            capability: request.capability.isEmpty ? nil : request.capability, reason: request.reason,
            taskID: request.taskID.isEmpty ? nil : request.taskID)
        let verdict = core.gate.decide(call, from: caller, at: core.clock.now())
        let entry = try await recordDecision(caller, call, verdict)
        if verdict.malformed { throw StatusMapping.invalid(verdict.explanation) }
        var response = Aios_Security_V1_AuthorizeResponse()
        response.decision = DecisionAudit.message(verdict, auditID: entry?.id ?? "")
        return response
    }

    public func executeTool(
        request: Aios_Security_V1_ExecuteToolRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ExecuteToolResponse {
        let caller = try caller(context)
        try checkSize(request.arguments)
        let call = ToolCall(
            tool: request.tool, arguments: request.arguments, capability: nil, reason: request.reason,
            taskID: request.taskID.isEmpty ? nil : request.taskID)
        let execution = try await execute(call, as: caller)
        var response = Aios_Security_V1_ExecuteToolResponse()
        response.decision = DecisionAudit.message(execution.verdict, auditID: execution.decisionID ?? "")
        guard let result = execution.result else { return response }
        response.resultAuditID = execution.resultID ?? ""
        response.details = result.details.mapValues(\.text)
        switch result.outcome {
        case .success(let output): response.output = Data(output)
        case .failure(let failure): throw RPCError(code: failure.code, message: failure.message)
        }
        return response
    }

    /// What one tool call came to: the decision (after any confirmation) and, when allowed, what running it gave.
    public struct Execution: Sendable {
        public let verdict: GateVerdict
        public let decisionID: String?
        public let result: BrokerResult?
        public let resultID: String?
    }

    /// A tool call through the Gate and, when allowed, the Broker (or, for the `sec.*` responses, the
    /// ``SecurityResponder``): the path of `ExecuteTool`, and of the analysis loop acting as its agent.
    public func execute(_ call: ToolCall, as caller: Caller) async throws -> Execution {
        var verdict = core.gate.decide(call, from: caller, at: core.clock.now())
        var entry = try await recordDecision(caller, call, verdict)
        if verdict.malformed { throw StatusMapping.invalid(verdict.explanation) }
        // A package is downloaded, checked and reported before anyone is asked, and the report goes with the
        // question; a report the policy refuses ends the call here.
        let prepared = try await preparePackages(call, caller: caller, verdict: &verdict, entry: &entry)
        defer { prepared?.discard() }
        if verdict.outcome == .confirm {
            let (confirmed, confirmedEntry) = try await awaitConfirmation(
                caller: caller, call: call, verdict: verdict, report: prepared?.report.json ?? "")
            (verdict, entry) = (confirmed, confirmedEntry)
        }
        guard verdict.outcome == .allow, let tool = verdict.tool, let allowance = verdict.allowance else {
            return Execution(verdict: verdict, decisionID: entry?.id, result: nil, resultID: nil)
        }
        // The Broker acts on exactly what was checked: a path argument becomes the normalised path the Gate decided on.
        var arguments = call.arguments
        if arguments["path"] != nil, let access = verdict.access { arguments["path"] = access.normalizedResource }
        let result: BrokerResult
        if let packages = workers.packages, PackageRequests.tools.contains(tool.name) {
            result = await packages.run(
                tool.name, arguments, prepared: prepared,
                announcer: broker.announcements.map {
                    .init(changes: $0, auditID: entry?.id ?? "", agent: caller.auditName)
                })
        } else if SecurityResponder.runs(tool.name) {
            result = await SecurityResponder(core: core, workers: workers).run(
                tool: tool.name, arguments: arguments, for: caller.auditName,
                confirmed: verdict.check == "confirmation")
        } else {
            result = await broker.run(
                tool: tool.name, arguments: arguments, allowedBy: allowance.capability, for: caller.auditName,
                decisionID: entry?.id)
        }
        let resultEntry = try await core.record(
            DecisionAudit.result(caller: caller, call: call, verdict: verdict, result: result))
        return Execution(verdict: verdict, decisionID: entry?.id, result: result, resultID: resultEntry.id)
    }

    /// Parks a high-risk call until the orchestrator answers, the timeout passes, or the caller goes away (its
    /// deadline, a disconnect: the call is cancelled and never runs). An approval does not carry the old decision:
    /// the Gate decides again on the state of that moment (grants revoked or expired since, a completed task, an
    /// emergency stop all deny). Every outcome is recorded.
    private func awaitConfirmation(caller: Caller, call: ToolCall, verdict: GateVerdict, report: String) async throws
        -> (GateVerdict, AuditEntry)
    {
        guard
            let pendingCall = core.pending.park(
                agent: caller.auditName, tool: call.tool ?? "", arguments: DecisionAudit.redacted(call.arguments),
                capability: verdict.access?.description ?? "", risk: verdict.risk, reason: call.reason,
                explanation: verdict.explanation, report: report, now: core.clock.now())
        else {
            let final = verdict.replacing(
                outcome: .deny, check: "confirmation",
                explanation: "\(caller.auditName) already has \(core.pending.maximumPerAgent) calls waiting for "
                    + "confirmation")
            return (final, try await core.record(DecisionAudit.decision(caller: caller, call: call, verdict: final)))
        }
        let pendingID: String? = pendingCall.id
        let final: GateVerdict
        // gRPC signals a caller's deadline or disconnect through the RPC's cancellation handle, not by cancelling
        // this task: the call ends with it.
        let pending = core.pending
        let outcome = await withRPCCancellationHandler {
            await pending.outcome(of: pendingCall)
        } onCancelRPC: {
            pending.finish(pendingCall.id, .cancelled)
        }
        switch outcome {
        case .approved(let by):
            let again = core.gate.decide(call, from: caller, at: core.clock.now(), confirmed: true)
            final =
                again.outcome == .allow
                ? again.replacing(outcome: .allow, check: "confirmation", explanation: "confirmed by \(by)")
                : again.replacing(
                    outcome: .deny, check: again.check,
                    explanation: "confirmed by \(by), but no longer allowed: \(again.explanation)")
        case .denied(let by, let reason):
            final = verdict.replacing(
                outcome: .deny, check: "confirmation", explanation: "denied by \(by): \(reason)")
        case .timedOut:
            final = verdict.replacing(
                outcome: .deny, check: "confirmation", explanation: "no confirmation within \(core.pending.timeout)")
        case .cancelled:
            final = verdict.replacing(
                outcome: .deny, check: "confirmation",
                explanation: "the caller went away (deadline or disconnect) before a confirmation")
        }
        let entry = try await core.record(
            DecisionAudit.decision(caller: caller, call: call, verdict: final, pendingID: pendingID))
        // The orchestrator is an AI agent too: a high-risk call it approved is put before a person.
        if case .approved(let by) = outcome, by == "orchestrator", let reviews = workers.reviews {
            let summary =
                "the orchestrator approved \(call.tool ?? "a call") for \(caller.auditName): \(final.explanation)"
            _ = try? reviews.add(
                ReviewDraft(kind: .decision, summary: summary, entryIDs: [entry.id]), at: core.clock.now())
        }
        return (final, entry)
    }

    public func confirm(
        request: Aios_Security_V1_ConfirmRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ConfirmResponse {
        var response = Aios_Security_V1_ConfirmResponse()
        response.outcome = try await confirm(
            caller: try caller(context), pendingID: request.pendingID, approve: request.approve, reason: request.reason)
        return response
    }

    /// A confirmation as every front end gives it (the gRPC API, the web console): the orchestrator or an operator
    /// (a person, who is above the orchestrator: they stop and resume it) approves or denies a waiting call; the
    /// call itself is decided again and recorded by its own RPC. Returns "approved" or "denied".
    public func confirm(caller: Caller, pendingID: String, approve: Bool, reason: String) async throws -> String {
        guard caller.isOrchestratorOrOperator else {
            _ = try await core.record(
                DecisionAudit.refusal(
                    caller: caller, action: "confirm", target: pendingID,
                    reason: "only the orchestrator or an operator confirms high-risk calls"))
            throw StatusMapping.denied("only the orchestrator or an operator confirms high-risk calls")
        }
        let reason = String(reason.prefix(1024))
        let outcome: PendingCalls.Outcome =
            approve ? .approved(by: caller.auditName) : .denied(by: caller.auditName, reason: reason)
        guard core.pending.finish(pendingID, outcome) else {
            throw RPCError(code: .notFound, message: "no pending call '\(pendingID)'")
        }
        return approve ? "approved" : "denied"
    }

    public func listPending(
        request: Aios_Security_V1_ListPendingRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ListPendingResponse {
        let caller = try caller(context)
        var response = Aios_Security_V1_ListPendingResponse()
        response.pending = core.pending.calls.filter { caller.agent == nil || $0.agent == caller.auditName }.map {
            call in
            var message = Aios_Security_V1_PendingCall()
            message.id = call.id
            message.agent = call.agent
            message.tool = call.tool
            message.arguments = call.arguments
            message.capability = call.capability
            message.risk = call.risk.rawValue
            message.requestedAt = call.requestedAt.rfc3339
            message.expiresAt = call.expiresAt.rfc3339
            message.reason = call.reason
            message.report = call.report
            return message
        }
        return response
    }
}

extension GateVerdict {
    func replacing(outcome: Outcome, check: String, explanation: String) -> GateVerdict {
        GateVerdict(
            outcome: outcome, check: check, explanation: explanation, malformed: malformed, access: access, tool: tool,
            risk: risk, allowance: allowance)
    }
}
