import AIOSProto
import Audit
import Capabilities
import Emergency
import GRPCCore

extension SecurityService {
    public func emergencyStop(
        request: Aios_Security_V1_EmergencyStopRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_EmergencyStopResponse {
        let report = try await emergencyStop(caller: try caller(context), reason: request.reason)
        var response = Aios_Security_V1_EmergencyStopResponse()
        response.mode = core.emergency.modeName
        response.agentsFrozen = UInt32(report.agentsFrozen)
        response.tasksKilled = UInt32(report.tasksKilled)
        response.grantsSuspended = UInt32(report.grantsSuspended)
        response.pendingDenied = UInt32(report.pendingDenied)
        response.stoppedAt = report.record.since
        response.elapsedMicroseconds = UInt64(max(0, EmergencyAudit.microseconds(report.elapsed)))
        response.auditID = report.auditID
        response.killAt = report.killAt?.rfc3339 ?? ""
        return response
    }

    /// The emergency stop as every front end asks for it (the gRPC API, the web console): who may stop, the bound
    /// on the reason, the stop itself. A refusal is recorded and thrown as the gRPC status the API answers.
    public func emergencyStop(caller: Caller, reason: String) async throws -> EmergencyStopper.StopReport {
        try await requireOrchestratorOrOperator(caller, action: "emergency_stop")
        let reason = reason.isEmpty ? "emergency stop" : String(reason.prefix(1024))
        return await stopper.stop(by: caller.principal ?? .orchestrator, name: caller.auditName, reason: reason)
    }

    public func resumeChallenge(
        request: Aios_Security_V1_ResumeChallengeRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ResumeChallengeResponse {
        let challenge = try await resumeChallenge(caller: try caller(context))
        var response = Aios_Security_V1_ResumeChallengeResponse()
        response.challenge = challenge.text
        response.expiresAt = challenge.expiresAt
        response.signaturesNeeded = UInt32(core.policy.emergency.resumeQuorum)
        response.namespace = ResumeChallenge.namespace
        return response
    }

    /// A fresh resume challenge for the operators to sign, as every front end asks for it (recorded).
    public func resumeChallenge(caller: Caller) async throws -> ResumeChallenge {
        try await requireOrchestratorOrOperator(caller, action: "resume_challenge")
        let challenge: ResumeChallenge
        do {
            challenge = try stopper.challenge(now: core.clock.now())
        } catch {
            throw RPCError(code: .failedPrecondition, message: error.message)
        }
        _ = try await core.record(EmergencyAudit.challengeIssued(to: caller.auditName, challenge))
        return challenge
    }

    public func resume(
        request: Aios_Security_V1_ResumeRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ResumeResponse {
        let report = try await resume(
            caller: try caller(context), challenge: request.challenge, signatures: request.signatures,
            agents: request.agents)
        var response = Aios_Security_V1_ResumeResponse()
        response.operators = report.operators
        response.mode = core.emergency.modeName
        response.agentsResumed = UInt32(report.agentsResumed)
        response.auditID = report.auditID
        return response
    }

    /// A resume as every front end asks for it (the gRPC API, the web console): the operators' signatures over a
    /// fresh challenge are what resumes, never the caller's own standing. `agents` is "thaw" (also when empty) or
    /// "stop".
    public func resume(caller: Caller, challenge: String, signatures: [String], agents: String) async throws
        -> EmergencyStopper.ResumeReport
    {
        try await requireOrchestratorOrOperator(caller, action: "resume")
        guard let agents = agents.isEmpty ? .thaw : ResumeAgents(rawValue: agents) else {
            throw StatusMapping.invalid(
                "agents must be one of \(ResumeAgents.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        do {
            return try await stopper.resume(
                challengeText: challenge, signatures: signatures, agents: agents, caller: caller.auditName,
                now: core.clock.now())
        } catch let error as EmergencyError {
            switch error.code {
            case .io: throw RPCError(code: .internalError, message: error.message)
            case .malformedChallenge: throw StatusMapping.invalid(error.message)
            case .staleChallenge: throw RPCError(code: .failedPrecondition, message: error.message)
            case .badSignature, .quorum: throw StatusMapping.denied(error.message)
            }
        }
    }

    private func requireOrchestratorOrOperator(_ caller: Caller, action: String) async throws {
        guard !caller.isOrchestratorOrOperator else { return }
        let reason = "only the orchestrator or an operator may \(action.replacingOccurrences(of: "_", with: " "))"
        _ = try await core.record(
            DecisionAudit.refusal(
                caller: caller, action: action, target: "all agents", reason: reason, eventType: .emergency))
        throw StatusMapping.denied(reason)
    }

    /// In manual mode nothing new starts and nothing gains authority: grants, agents, tasks and (except for
    /// operators) firewall changes are refused, and the refusal recorded.
    func refuseInManualMode(_ caller: Caller, action: String, target: String, operatorsMay: Bool = false)
        async throws
    {
        guard core.emergency.isHalted, !(operatorsMay && caller.principal?.isOperator == true) else { return }
        let reason = EmergencyCheck.explanation(core.emergency.record)
        _ = try await core.record(
            DecisionAudit.refusal(caller: caller, action: action, target: target, reason: reason, eventType: .emergency)
        )
        throw RPCError(code: .failedPrecondition, message: reason)
    }
}

extension Principal {
    var isOperator: Bool {
        if case .operator = self { return true }
        return false
    }
}
