import AIOSProto
import Audit
import Capabilities
import Firewall
import GRPCCore
import Policy

extension SecurityService {
    /// One firewall change, for the orchestrator, an operator, or an agent holding `firewall:OPERATION` on the
    /// target (the rule's peer, its id, or the address). A refusal is recorded; a change is recorded by the
    /// controller as a `policy_change` with who and why.
    public func changeFirewall(
        request: Aios_Security_V1_ChangeFirewallRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ChangeFirewallResponse {
        try await changeFirewall(caller: try caller(context), request: request)
    }

    /// The firewall change as every front end asks for it (the gRPC API, the web console's unblock button): the
    /// same checks, the same controller call, the same ledger entries.
    public func changeFirewall(caller: Caller, request: Aios_Security_V1_ChangeFirewallRequest) async throws
        -> Aios_Security_V1_ChangeFirewallResponse
    {
        try await refuseInManualMode(
            caller, action: "firewall.\(request.operation)", target: request.peer, operatorsMay: true)
        let firewall = try firewallController()
        guard !request.reason.isEmpty else {
            throw StatusMapping.invalid("a reason is needed: it goes into the ledger")
        }
        let target: String
        switch request.operation {
        case "allow", "deny": target = request.peer.isEmpty ? "any" : request.peer
        case "remove": target = request.id
        case "block", "unblock": target = request.address
        default: throw StatusMapping.invalid("operation must be allow, deny, remove, block or unblock")
        }
        try await requireFirewallRight(caller, operation: request.operation, target: target)
        var response = Aios_Security_V1_ChangeFirewallResponse()
        do {
            let actor = caller.auditName
            switch request.operation {
            case "allow", "deny":
                let rule = try Self.rule(from: request)
                let added =
                    request.operation == "allow"
                    ? try firewall.allow(
                        rule.direction, transport: rule.transport, ports: rule.ports, peer: rule.peer, id: rule.id,
                        by: actor, reason: request.reason)
                    : try firewall.deny(
                        rule.direction, transport: rule.transport, ports: rule.ports, peer: rule.peer, id: rule.id,
                        by: actor, reason: request.reason)
                response.rule = Self.message(added)
            case "remove":
                response.rule = Self.message(try firewall.remove(id: request.id, by: actor, reason: request.reason))
            case "block":
                guard let address = IPAddress(request.address) else { throw StatusMapping.invalid("not an address") }
                let duration = try GrantDuration(parsing: request.duration.isEmpty ? "1h" : request.duration)
                try firewall.block(
                    address, for: .milliseconds(duration.milliseconds), by: actor, reason: request.reason)
            default:
                guard let address = IPAddress(request.address) else { throw StatusMapping.invalid("not an address") }
                try firewall.unblock(address, by: actor, reason: request.reason)
            }
        } catch let error as FirewallError {
            throw Self.status(error)
        } catch let error as GrantDurationError {
            throw StatusMapping.invalid("duration: \(error)")
        }
        return response
    }

    public func listFirewall(
        request: Aios_Security_V1_ListFirewallRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ListFirewallResponse {
        let state = try await listFirewall(caller: try caller(context))
        var response = Aios_Security_V1_ListFirewallResponse()
        response.rules = state.rules.map(Self.message)
        response.blocked = state.blocked.map { entry in
            var blocked = Aios_Security_V1_BlockedAddress()
            blocked.address = entry.address.description
            blocked.remainingSeconds = UInt64(max(0, entry.remaining / .seconds(1)))
            blocked.reason = entry.reason ?? ""
            return blocked
        }
        return response
    }

    /// The rules and the blocked addresses, for a caller who may list them (the gRPC API, the web console).
    public func listFirewall(caller: Caller) async throws -> (rules: [FirewallRule], blocked: [BlockEntry]) {
        let firewall = try firewallController()
        try await requireFirewallRight(caller, operation: "list", target: "*")
        do {
            return (firewall.list(), try firewall.blocklist.list())
        } catch {
            throw Self.status(error)
        }
    }

    private func firewallController() throws -> FirewallController {
        guard let firewall = workers.firewall else {
            throw RPCError(
                code: .failedPrecondition, message: "this daemon does not manage the firewall (serve --firewall)")
        }
        return firewall
    }

    private func requireFirewallRight(_ caller: Caller, operation: String, target: String) async throws {
        if caller.isOrchestratorOrOperator { return }
        let allowed = (try? AccessRequest(namespace: "firewall", action: operation, resource: target)).map {
            core.authority.check($0, for: AgentName(caller.auditName), at: core.clock.now()).isAllowed
        }
        if allowed == true { return }
        _ = try await core.record(
            DecisionAudit.refusal(
                caller: caller, action: "firewall.\(operation)", target: target,
                reason: "firewall:\(operation):\(target) is not held", eventType: .policyChange))
        throw StatusMapping.denied("changing the firewall needs firewall:\(operation)")
    }

    /// The parts of an allow or deny rule, parsed; the controller checks the combination.
    struct RuleRequest {
        let direction: FirewallRule.Direction
        let transport: FirewallRule.Transport
        let ports: [UInt16]
        let peer: FirewallPeer
        let id: String?
    }

    static func rule(from request: Aios_Security_V1_ChangeFirewallRequest) throws(FirewallError) -> RuleRequest {
        guard let direction = FirewallRule.Direction(rawValue: request.direction) else {
            throw .invalidInput("direction must be in or out")
        }
        guard let transport = FirewallRule.Transport(rawValue: request.transport.isEmpty ? "tcp" : request.transport)
        else { throw .invalidInput("transport must be tcp, udp or any") }
        var ports: [UInt16] = []
        for port in request.ports {
            guard let value = UInt16(exactly: port), value > 0 else {
                throw .invalidInput("port \(port) is not 1–65535")
            }
            ports.append(value)
        }
        return RuleRequest(
            direction: direction, transport: transport, ports: ports,
            peer: try FirewallPeer(parsing: request.peer.isEmpty ? "any" : request.peer),
            id: request.id.isEmpty ? nil : request.id)
    }

    static func message(_ rule: FirewallRule) -> Aios_Security_V1_FirewallRule {
        var message = Aios_Security_V1_FirewallRule()
        message.id = rule.id
        message.direction = rule.direction.rawValue
        message.action = rule.action.rawValue
        message.transport = rule.transport.rawValue
        message.ports = rule.ports.map(UInt32.init)
        message.peer = rule.peer.description
        message.author = rule.author
        message.reason = rule.reason
        return message
    }

    static func status(_ error: FirewallError) -> RPCError {
        switch error.kind {
        case .invalidInput: RPCError(code: .invalidArgument, message: error.message)
        case .notFound: RPCError(code: .notFound, message: error.message)
        case .conflict: RPCError(code: .alreadyExists, message: error.message)
        case .unavailable, .state: RPCError(code: .unavailable, message: error.message)
        case .rejected: RPCError(code: .failedPrecondition, message: error.message)
        }
    }
}
