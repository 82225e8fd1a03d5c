import AIOSProto
import Audit
import Capabilities
import GRPCCore

extension SecurityService {
    public func grantTemporary(
        request: Aios_Security_V1_GrantTemporaryRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_GrantTemporaryResponse {
        let caller = try caller(context)
        try await refuseInManualMode(caller, action: "grant", target: request.agent)
        let now = core.clock.now()
        let capability: Capability
        let duration: GrantDuration
        do {
            capability = try Capability(parsing: request.capability)
            duration = try GrantDuration(parsing: request.duration)
        } catch {
            _ = try await core.record(
                DecisionAudit.refusal(
                    caller: caller, action: "grant", target: request.agent, reason: "\(error)",
                    eventType: .capabilityGrant))
            throw StatusMapping.invalid("\(error)")
        }
        guard let principal = caller.principal else {
            return try await refuse(.notOrchestrator(.agent(AgentName(caller.auditName))), caller, request)
        }
        let grantRequest = GrantRequest(
            agent: AgentName(request.agent), capability: capability, lifetime: .duration(duration),
            reason: request.reason, taskID: request.taskID.isEmpty ? nil : TaskID(request.taskID))
        let ledger = core.ledger
        var recorded: AuditEntry? = nil
        let outcome: GrantOutcome
        do {
            outcome = try core.authority.grant(grantRequest, by: principal, at: now) { grant in
                let (committed, error) = ledger.append(contentsOf: [GrantAudit.granted(grant, by: caller)])
                if let error { throw error }
                recorded = committed.first
            }
        } catch {
            // Not recorded, so not granted: the grant never took effect.
            throw StatusMapping.ledgerUnavailable(error)
        }
        switch outcome {
        case .refused(let refusal):
            return try await refuse(refusal, caller, request)
        case .granted(let grant):
            var response = Aios_Security_V1_GrantTemporaryResponse()
            response.grant = GrantAudit.message(grant)
            response.auditID = recorded?.id ?? ""
            return response
        }
    }

    private func refuse(
        _ refusal: GrantRefusal, _ caller: Caller, _ request: Aios_Security_V1_GrantTemporaryRequest
    ) async throws -> Aios_Security_V1_GrantTemporaryResponse {
        _ = try await core.record(
            DecisionAudit.refusal(
                caller: caller, action: "grant", target: "\(request.agent) \(request.capability)",
                reason: refusal.description, eventType: .capabilityGrant))
        throw StatusMapping.error(refusal)
    }

    public func revoke(
        request: Aios_Security_V1_RevokeRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_RevokeResponse {
        let revoked = try await revoke(caller: try caller(context), grantID: request.grantID, reason: request.reason)
        var response = Aios_Security_V1_RevokeResponse()
        if let grant = revoked.first { response.grant = GrantAudit.message(grant) }
        return response
    }

    /// A revocation as every front end asks for it (the gRPC API, the web console): who may revoke is the
    /// authority's rule; the outcome (or the refusal) is recorded.
    public func revoke(caller: Caller, grantID: String, reason: String) async throws -> [Grant] {
        let outcome = core.authority.revoke(
            GrantID(grantID), reason: reason.isEmpty ? "revoked" : String(reason.prefix(1024)),
            by: caller.principal ?? .agent(AgentName(caller.auditName)), at: core.clock.now())
        return try await recordRevocation(outcome, caller: caller, target: grantID)
    }

    public func completeTask(
        request: Aios_Security_V1_CompleteTaskRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_CompleteTaskResponse {
        let caller = try caller(context)
        guard !request.taskID.isEmpty else { throw StatusMapping.invalid("a task id is needed") }
        let outcome = core.authority.completeTask(
            TaskID(request.taskID), by: caller.principal ?? .agent(AgentName(caller.auditName)), at: core.clock.now())
        var response = Aios_Security_V1_CompleteTaskResponse()
        response.revoked = try await recordRevocation(outcome, caller: caller, target: "task \(request.taskID)").map(
            GrantAudit.message)
        return response
    }

    private func recordRevocation(_ outcome: RevocationOutcome, caller: Caller, target: String) async throws -> [Grant]
    {
        switch outcome {
        case .refused(let refusal):
            _ = try await core.record(
                DecisionAudit.refusal(
                    caller: caller, action: "revoke", target: target, reason: refusal.description,
                    eventType: .capabilityRevoke))
            throw StatusMapping.error(refusal)
        case .revoked(let grants):
            for grant in grants { _ = try await core.record(GrantAudit.revoked(grant, by: caller.auditName)) }
            return grants
        }
    }

    public func listGrants(
        request: Aios_Security_V1_ListGrantsRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ListGrantsResponse {
        let caller = try caller(context)
        // Agents see their own grants only.
        let agent = caller.agent ?? (request.agent.isEmpty ? nil : AgentName(request.agent))
        var response = Aios_Security_V1_ListGrantsResponse()
        response.grants = core.authority.activeGrants(of: agent, at: core.clock.now()).map(GrantAudit.message)
        return response
    }
}

/// Ledger entries and API messages for grants.
enum GrantAudit {
    static func granted(_ grant: Grant, by caller: Caller) -> AuditDraft {
        AuditDraft(
            eventType: .capabilityGrant, agent: grant.agent.rawValue, action: "grant",
            target: grant.capability.description, capabilitiesUsed: [grant.capability.description], result: .success,
            riskLevel: .medium,
            details: .object([
                ("grant_id", .string(grant.id.rawValue)), ("granted_by", .string(caller.auditName)),
                ("expires_at", grant.expiresAt.map { .string($0.rfc3339) } ?? .null), ("reason", .string(grant.reason)),
            ]), taskID: grant.taskID?.rawValue)
    }

    static func revoked(_ grant: Grant, by who: String) -> AuditDraft {
        let reason: String =
            switch grant.revocation?.cause {
            case .revoked(let reason): reason
            case .taskCompleted(let task): "task \(task) completed"
            case nil: "expired"
            }
        return AuditDraft(
            eventType: .capabilityRevoke, agent: grant.agent.rawValue, action: "revoke",
            target: grant.capability.description, capabilitiesUsed: [grant.capability.description], result: .success,
            riskLevel: .low,
            details: .object([
                ("grant_id", .string(grant.id.rawValue)), ("revoked_by", .string(who)), ("reason", .string(reason)),
            ]), taskID: grant.taskID?.rawValue)
    }

    static func message(_ grant: Grant) -> Aios_Security_V1_Grant {
        var message = Aios_Security_V1_Grant()
        message.id = grant.id.rawValue
        message.agent = grant.agent.rawValue
        message.capability = grant.capability.description
        message.grantedAt = grant.issuedAt.rfc3339
        message.expiresAt = grant.expiresAt?.rfc3339 ?? ""
        message.reason = grant.reason
        message.taskID = grant.taskID?.rawValue ?? ""
        message.grantedBy = grant.issuedBy.description
        return message
    }
}
