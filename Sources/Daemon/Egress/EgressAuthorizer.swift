import Capabilities
import Firewall
import Foundation
import PKI
import Policy

/// Decides each connection an agent asks the egress proxy for, as the Gate decides `net.connect`: the agent must
/// exist, no emergency stop may be on, and a capability (its role's or a live temporary grant, read at the moment
/// of the connection, so a grant opens and a revoke or expiry closes new connections at once) must cover
/// `net:connect:HOST:PORT`. The per-call rate limit is not applied (connections have their own limits), and a
/// `net.connect` the policy made high-risk is refused: a connection cannot wait for the orchestrator.
public struct EgressAuthorizer: Sendable {
    let gate: Gate
    let clock: any SecurityClock

    public init(core: DaemonCore) {
        gate = Gate(checks: [
            IdentityCheck(), EmergencyCheck(emergency: core.emergency), ToolCheck(catalogue: core.policy.tools),
            CapabilityCheck(authority: core.authority), RiskCheck(),
        ])
        clock = core.clock
    }

    public func decide(agent: String, destination: EgressDestination) -> EgressDecision {
        decide(
            agent: agent, tool: "net.connect",
            arguments: ["host": destination.host, "port": String(destination.port)],
            missing: "net:connect:\(destination.host):\(destination.port)")
    }

    /// An inbound connection to a port `agent` serves: `net.listen` with the port (`net:listen:PORT`), decided the
    /// same way at the moment of the connection.
    public func decideListen(agent: String, port: UInt16) -> EgressDecision {
        decide(agent: agent, tool: "net.listen", arguments: ["port": String(port)], missing: "net:listen:\(port)")
    }

    private func decide(agent: String, tool: String, arguments: [String: String], missing: String) -> EgressDecision {
        guard let identity = try? SPIFFEID(kind: .agent, name: agent) else { return .deny(missing: missing) }
        let call = ToolCall(tool: tool, arguments: arguments, capability: nil, reason: "egress proxy", taskID: nil)
        let verdict = gate.decide(call, from: Caller(identity: identity, serial: ""), at: clock.now())
        guard verdict.outcome == .allow, let allowance = verdict.allowance else { return .deny(missing: missing) }
        return .allow(capability: allowance.capability.description)
    }
}
