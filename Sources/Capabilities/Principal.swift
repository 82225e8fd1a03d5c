/// Who is asking for a change of authority. Grant and revoke take a `Principal`, so the rule "no agent can grant
/// itself or others capabilities" is decided on this type and visible in every signature that changes authority.
///
/// The principal comes from authentication (the caller's certificate in the daemon), never from a request field.
public enum Principal: Hashable, Sendable, CustomStringConvertible {
    /// The orchestrator: the only principal that can grant, within policy's ceilings.
    case orchestrator
    /// A human operator (emergency access, the console). Can revoke and complete tasks — taking authority away
    /// is always safe — but cannot grant.
    case `operator`(String)
    /// An agent. It can never grant or revoke, for itself or for others.
    case agent(AgentName)

    public var description: String {
        switch self {
        case .orchestrator: "orchestrator"
        case .operator(let name): "operator \(name)"
        case .agent(let name): "agent \(name)"
        }
    }

    var mayGrant: Bool { self == .orchestrator }

    var mayRevoke: Bool {
        switch self {
        case .orchestrator, .operator: true
        case .agent: false
        }
    }
}
