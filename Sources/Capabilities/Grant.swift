/// A capability given directly to one agent, on top of its roles. Temporary grants carry an expiry and usually the
/// task they serve; a grant stops matching at its expiry, when it is revoked, and when its task is completed.
public struct Grant: Hashable, Sendable {
    public let id: GrantID
    public let agent: AgentName
    public let capability: Capability
    /// `nil` for a permanent grant.
    public let expiresAt: Timestamp?
    public let taskID: TaskID?
    public let reason: String
    public let issuedAt: Timestamp
    public let issuedBy: Principal
    public internal(set) var revocation: Revocation?

    /// Where this grant stands at `now`. Revocation wins over expiry: a grant revoked before it expired stays
    /// "revoked" in the record.
    public func state(at now: Timestamp) -> GrantState {
        if let revocation { return .revoked(revocation) }
        if let expiresAt, now >= expiresAt { return .expired(at: expiresAt) }
        return .active
    }
}

/// The states of a grant. Expired and revoked are distinct, with distinct reasons.
public enum GrantState: Hashable, Sendable, CustomStringConvertible {
    case active
    case expired(at: Timestamp)
    case revoked(Revocation)

    public var description: String {
        switch self {
        case .active: "active"
        case .expired(let at): "expired at \(at)"
        case .revoked(let revocation): revocation.description
        }
    }
}

/// Why and by whom a grant stopped before its expiry.
public struct Revocation: Hashable, Sendable, CustomStringConvertible {
    public enum Cause: Hashable, Sendable {
        /// Revoked explicitly, with the revoker's reason.
        case revoked(reason: String)
        /// The task the grant served was completed.
        case taskCompleted(TaskID)
    }

    public let cause: Cause
    public let at: Timestamp
    public let by: Principal

    public var description: String {
        switch cause {
        case .revoked(let reason): "revoked at \(at) by \(by): \(reason)"
        case .taskCompleted(let task): "revoked at \(at): task \(task) completed"
        }
    }
}

/// An agent's membership of a role; a temporary one carries an expiry.
public struct RoleMembership: Hashable, Sendable {
    public let role: RoleName
    public let expiresAt: Timestamp?

    public init(role: RoleName, expiresAt: Timestamp? = nil) {
        self.role = role
        self.expiresAt = expiresAt
    }
}

/// A role: a name, the capabilities every member holds, and the ceiling for grants to its members.
public struct RoleDefinition: Hashable, Sendable {
    public let name: RoleName
    public let capabilities: [Capability]
    public let ceiling: GrantCeiling

    public init(name: RoleName, capabilities: [Capability], ceiling: GrantCeiling) {
        self.name = name
        self.capabilities = capabilities
        self.ceiling = ceiling
    }
}
