import AIOSProto
import Agents
import Audit
import GRPCCore

extension SecurityService {
    public func spawnAgent(
        request: Aios_Security_V1_SpawnAgentRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_SpawnAgentResponse {
        let caller = try caller(context)
        try await refuseInManualMode(caller, action: "agent.spawn", target: request.agent)
        let agents = try await agentRegistry(for: caller, action: "agent.spawn", target: request.agent)
        guard !request.command.isEmpty else { throw StatusMapping.invalid("a command is needed") }
        do {
            // The spawner records the start (or the refusal) with the caller, before the agent may exec.
            let status = try agents.spawn(
                agent: request.agent, command: request.command, requestedBy: caller.auditName)
            var response = Aios_Security_V1_SpawnAgentResponse()
            response.agent = Self.message(status)
            return response
        } catch {
            throw Self.status(error)
        }
    }

    public func stopAgent(
        request: Aios_Security_V1_StopAgentRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_StopAgentResponse {
        var response = Aios_Security_V1_StopAgentResponse()
        response.agent = Self.message(
            try await stopAgent(caller: try caller(context), agent: request.agent, reason: request.reason))
        return response
    }

    /// Stopping one agent as every front end asks for it (the gRPC API, the web console).
    public func stopAgent(caller: Caller, agent: String, reason: String) async throws -> AgentStatus {
        let agents = try await agentRegistry(for: caller, action: "agent.stop", target: agent)
        guard !core.emergency.isHalted else {
            // One frozen agent cannot be killed alone on cgroup v1 (its parent holds it frozen); all go together.
            throw RPCError(
                code: .failedPrecondition,
                message: "manual mode: the agents are frozen together and stopped together (the freeze timeout, or "
                    + "aios-sec resume --agents stop)")
        }
        _ = try await core.record(
            AuditDraft(
                eventType: .agentShutdown, agent: caller.auditName, action: "agent.stop", target: agent,
                result: .success, riskLevel: .medium,
                details: .object([("reason", .string(reason.isEmpty ? "stopped" : String(reason.prefix(1024))))])))
        do {
            return try await agents.stop(agent: agent)
        } catch {
            throw Self.status(error)
        }
    }

    public func listAgents(
        request: Aios_Security_V1_ListAgentsRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ListAgentsResponse {
        let caller = try caller(context)
        let agents = try await agentRegistry(for: caller, action: "agent.list", target: "*")
        var response = Aios_Security_V1_ListAgentsResponse()
        response.agents = agents.list().map(Self.message)
        return response
    }

    /// The registry, for the orchestrator or an operator; anyone else is refused and the refusal recorded.
    private func agentRegistry(for caller: Caller, action: String, target: String) async throws -> AgentRegistry {
        guard caller.isOrchestratorOrOperator else {
            _ = try await core.record(
                DecisionAudit.refusal(
                    caller: caller, action: action, target: target,
                    reason: "only the orchestrator or an operator manages agents", eventType: .agentSpawn))
            throw StatusMapping.denied("only the orchestrator or an operator manages agents")
        }
        guard let agents = workers.agents else {
            throw RPCError(
                code: .failedPrecondition,
                message: "this daemon does not launch agents (it needs root, cgroups and a keyring vault)")
        }
        return agents
    }

    static func message(_ status: AgentStatus) -> Aios_Security_V1_AgentProcess {
        var message = Aios_Security_V1_AgentProcess()
        message.agent = status.agent
        message.command = status.command
        message.state = status.state.rawValue
        message.pid = status.pid ?? 0
        message.restarts = UInt32(status.restarts)
        message.hasExited_p = status.lastExitStatus != nil
        message.lastExitStatus = status.lastExitStatus ?? 0
        message.lastReason = status.lastReason ?? ""
        return message
    }

    static func status(_ error: AgentError) -> RPCError {
        switch error {
        case .unknownAgent, .commandNotFound: RPCError(code: .invalidArgument, message: error.description)
        case .alreadyRunning: RPCError(code: .alreadyExists, message: error.description)
        case .notRunning: RPCError(code: .notFound, message: error.description)
        case .notRoot, .notStarted, .held: RPCError(code: .failedPrecondition, message: error.description)
        case .unrecorded: RPCError(code: .unavailable, message: error.description)
        }
    }
}
