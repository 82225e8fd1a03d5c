import Policy

/// Everything the `inet aios` table is made from: the policy's defaults and the dynamic rules on top.
public struct FirewallRuleset: Sendable, Equatable {
    public var policy: FirewallPolicy
    public var rules: [FirewallRule]

    public init(policy: FirewallPolicy, rules: [FirewallRule] = []) {
        self.policy = policy
        self.rules = rules
    }

    /// The names whose DNS answers open outbound flows, each with the protocol and ports it opens: the policy's
    /// names on TCP `outboundPorts`, then every outbound allow rule by name.
    public var nameGrants: [NameGrant] {
        var grants = policy.allowedNames.map { NameGrant(pattern: $0, transport: .tcp, ports: policy.outboundPorts) }
        for rule in rules {
            guard case .name(let pattern) = rule.peer else { continue }
            grants.append(NameGrant(pattern: pattern, transport: rule.transport, ports: rule.ports))
        }
        return grants
    }
}

/// One name pattern and what its resolved addresses may be reached on.
public struct NameGrant: Hashable, Sendable {
    public let pattern: HostPattern
    /// `tcp` or `udp`.
    public let transport: FirewallRule.Transport
    public let ports: [UInt16]
}
