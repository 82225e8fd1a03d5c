/// Who holds what: the roles from policy, each agent's role memberships, and the grants made since.
///
/// A value type with no I/O; the daemon owns one behind a lock and persists what changes. Every change of
/// authority takes the ``Principal`` asking for it and returns an outcome value: an agent asking to grant gets a
/// ``GrantRefusal`` that says why, never a thrown error.
public struct Authority: Sendable {
    public private(set) var roles: [RoleName: RoleDefinition]
    public private(set) var memberships: [AgentName: [RoleMembership]]
    public internal(set) var grants: [GrantID: Grant] = [:]
    var grantOrder: [GrantID] = []
    var nextGrantNumber = 1
    /// What grant ids start with; the daemon makes it unique per start (see `AuthorityStore`).
    public var grantIDPrefix = "grant-"

    /// `agents` maps each known agent to its role memberships. Roles named there must exist.
    public init(roles: [RoleDefinition], agents: [AgentName: [RoleMembership]]) throws(AuthorityError) {
        var byName: [RoleName: RoleDefinition] = [:]
        for role in roles {
            guard byName.updateValue(role, forKey: role.name) == nil else { throw .duplicateRole(role.name) }
        }
        for (agent, list) in agents {
            let length = agent.rawValue.utf8.count
            guard (1...Self.maximumNameLength).contains(length), !agent.rawValue.utf8.contains(0) else {
                throw .invalidAgentName(agent)
            }
            for membership in list where byName[membership.role] == nil {
                throw .unknownRole(membership.role, agent: agent)
            }
        }
        self.roles = byName
        self.memberships = agents
    }

    /// The longest agent name, in UTF-8 bytes.
    public static let maximumNameLength = 255

    /// All grants, oldest first.
    public var allGrants: [Grant] { grantOrder.compactMap { grants[$0] } }

    /// The ceilings that bound grants to `agent`: one per role it is a member of.
    public func ceilings(for agent: AgentName) -> [(RoleName, GrantCeiling)] {
        (memberships[agent] ?? []).compactMap { membership in
            roles[membership.role].map { (membership.role, $0.ceiling) }
        }
    }

    /// Compiles the current state into an immutable snapshot for checks.
    public func capabilitySet() -> CapabilitySet {
        var builder = CapabilitySetBuilder()
        var grantsByAgent: [AgentName: [Grant]] = [:]
        for id in grantOrder {
            if let grant = grants[id] { grantsByAgent[grant.agent, default: []].append(grant) }
        }
        let agents = Set(memberships.keys).union(grantsByAgent.keys).sorted()
        for agent in agents {
            builder.add(agent: agent, holdings: holdings(of: agent, grants: grantsByAgent[agent] ?? []))
        }
        return builder.build()
    }

    /// Evaluation order: permanent role capabilities, direct grants, then temporary role memberships — so a
    /// decision names the most durable authority that allowed it.
    private func holdings(of agent: AgentName, grants: [Grant]) -> [CapabilitySetBuilder.Holding] {
        var permanent: [CapabilitySetBuilder.Holding] = []
        var temporary: [CapabilitySetBuilder.Holding] = []
        for membership in memberships[agent] ?? [] {
            guard let role = roles[membership.role] else { continue }
            let source = DecisionSource.role(role.name, membershipExpiresAt: membership.expiresAt)
            let holdings = role.capabilities.map {
                CapabilitySetBuilder.Holding(basis: DecisionBasis(capability: $0, source: source), revocation: nil)
            }
            if membership.expiresAt == nil { permanent += holdings } else { temporary += holdings }
        }
        let direct = grants.map { grant in
            let source = DecisionSource.grant(grant.id, expiresAt: grant.expiresAt, taskID: grant.taskID)
            return CapabilitySetBuilder.Holding(
                basis: DecisionBasis(capability: grant.capability, source: source), revocation: grant.revocation)
        }
        return permanent + direct + temporary
    }
}

public struct AuthorityError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case duplicateRole(RoleName)
        case unknownRole(RoleName, AgentName)
        case invalidAgentName(AgentName)
    }

    let code: Code

    static func duplicateRole(_ role: RoleName) -> AuthorityError { AuthorityError(code: .duplicateRole(role)) }
    static func invalidAgentName(_ agent: AgentName) -> AuthorityError {
        AuthorityError(code: .invalidAgentName(agent))
    }
    static func unknownRole(_ role: RoleName, agent: AgentName) -> AuthorityError {
        AuthorityError(code: .unknownRole(role, agent))
    }

    public var description: String {
        switch code {
        case .duplicateRole(let role): "role '\(role)' is defined twice"
        case .unknownRole(let role, let agent): "agent '\(agent)' is a member of unknown role '\(role)'"
        case .invalidAgentName(let agent):
            "agent name '\(printable(agent.rawValue))' must be 1 to \(Authority.maximumNameLength) bytes without NUL"
        }
    }
}
