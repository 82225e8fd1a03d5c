/// One capability, `namespace:action[:resource_pattern]`, as defined by the semantics `aios-cap-v1`.
///
/// Build one with ``init(parsing:)``; the parser rejects anything the grammar does not allow, with the column and
/// the reason. A parsed capability is only a description of authority: holding one grants nothing until it is
/// compiled into a ``CapabilitySet`` for an agent.
public struct Capability: Hashable, Sendable, CustomStringConvertible {
    /// Exact, case-sensitive namespace (`fs`, `net`, …). There is no namespace wildcard.
    public let namespace: String
    /// The action, or `nil` for `*` (every action of the namespace).
    public let action: String?
    public let resource: ResourcePattern

    init(namespace: String, action: String?, resource: ResourcePattern) {
        self.namespace = namespace
        self.action = action
        self.resource = resource
    }

    public var description: String {
        let head = namespace + ":" + (action ?? "*")
        guard let text = resource.text else { return head }
        return head + ":" + text
    }

    /// Whether this capability matches a request whose resource is already normalised.
    public func matches(namespace: String, action: String, normalizedResource: String) -> Bool {
        guard self.namespace == namespace else { return false }
        if let mine = self.action, mine != action { return false }
        return resource.matches(normalized: normalizedResource)
    }

    /// Whether every request this capability allows is also allowed by `self`.
    public func covers(_ other: Capability) -> Bool {
        guard namespace == other.namespace else { return false }
        if let mine = action, mine != other.action { return false }
        return resource.covers(other.resource)
    }

    /// Whether some request is allowed by both capabilities.
    public func overlaps(_ other: Capability) -> Bool {
        guard namespace == other.namespace else { return false }
        if let mine = action, let theirs = other.action, mine != theirs { return false }
        return resource.overlaps(other.resource)
    }
}
