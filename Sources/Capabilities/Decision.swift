/// The outcome of a check — a value, never a thrown error.
public enum Decision: Hashable, Sendable, CustomStringConvertible {
    /// Allowed; the allowance names the capability and the role or grant that decided.
    case allowed(Allowance)
    case denied(DenialReason)

    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .allowed(let basis): "allowed by \(basis)"
        case .denied(let reason): "denied: \(reason)"
        }
    }
}

/// Why a request was denied.
public enum DenialReason: Hashable, Sendable, CustomStringConvertible {
    /// The agent is not known to the capability set (an agent starts with nothing).
    case unknownAgent
    /// No capability the agent holds, live or not, matches.
    case noMatchingCapability
    /// A capability matched, but the grant or role membership that carried it has expired.
    indirect case expired(DecisionBasis)
    /// A capability matched, but its grant was revoked (explicitly, or by completing its task).
    indirect case revoked(DecisionBasis, Revocation)

    public var description: String {
        switch self {
        case .unknownAgent: "unknown agent (agents start with no capabilities)"
        case .noMatchingCapability: "no capability of the agent matches"
        case .expired(let basis): "\(basis) has expired"
        case .revoked(let basis, let revocation): "\(basis) was \(revocation)"
        }
    }
}

/// What carried a capability: a role (possibly a temporary membership) or a direct grant.
public enum DecisionSource: Hashable, Sendable, CustomStringConvertible {
    case role(RoleName, membershipExpiresAt: Timestamp?)
    case grant(GrantID, expiresAt: Timestamp?, taskID: TaskID?)

    public var expiresAt: Timestamp? {
        switch self {
        case .role(_, let expiry), .grant(_, let expiry, _): expiry
        }
    }

    public var description: String {
        switch self {
        case .role(let role, let expiry):
            "role \(role)" + (expiry.map { " (membership until \($0))" } ?? "")
        case .grant(let id, let expiry, let task):
            "grant \(id)" + (expiry.map { " until \($0)" } ?? "") + (task.map { " for task \($0)" } ?? "")
        }
    }
}

/// A capability and what carried it.
public struct DecisionBasis: Hashable, Sendable, CustomStringConvertible {
    public let capability: Capability
    public let source: DecisionSource

    public init(capability: Capability, source: DecisionSource) {
        self.capability = capability
        self.source = source
    }

    public var description: String { "'\(capability)' from \(source)" }
}

/// What allowed a request: a handle into the capability set that decided. Returning it costs one reference
/// count on the (hot, shared) snapshot instead of touching a per-capability object on every allowed check.
public struct Allowance: Hashable, Sendable, CustomStringConvertible {
    let storage: CompiledCapabilities
    let index: Int32

    public var basis: DecisionBasis { storage.basis(at: index) }
    public var capability: Capability { basis.capability }
    public var source: DecisionSource { basis.source }

    public static func == (lhs: Allowance, rhs: Allowance) -> Bool { lhs.basis == rhs.basis }
    public func hash(into hasher: inout Hasher) { hasher.combine(basis) }
    public var description: String { basis.description }
}
