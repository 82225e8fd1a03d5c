/// A compiled, immutable snapshot of who holds which capabilities, answering checks with a ``Decision``.
///
/// Built by ``Authority/capabilitySet()``. Everything a check touches lives in a few flat buffers (see
/// `CompiledCapabilities`); expiry is decided against the `now` passed in, so a snapshot stays correct as time
/// passes, and revocations produce a new snapshot.
public struct CapabilitySet: Sendable {
    let storage: CompiledCapabilities

    /// Decides an already validated `request` for `agent` at `now`.
    public func check(_ request: AccessRequest, for agent: AgentName, at now: Timestamp) -> Decision {
        let outcome = storage.check(
            agent: agent.rawValue, namespace: request.namespace, action: request.action, resource: request.resource,
            validated: request.needsNormalization, now: now.millisecondsSinceEpoch)
        guard case .decided(let decision) = outcome else { preconditionFailure("an AccessRequest is valid") }
        return decision
    }

    /// Validates and decides in one pass, without building an ``AccessRequest``: the hot path for callers that
    /// hold the request's fields. Malformed input (a NUL byte, an empty namespace or action) is an error, not a
    /// decision.
    public func check(
        agent: AgentName, namespace: String, action: String, resource: String, at now: Timestamp
    ) throws(AccessRequestError) -> Decision {
        let outcome = storage.check(
            agent: agent.rawValue, namespace: namespace, action: action, resource: resource, validated: nil,
            now: now.millisecondsSinceEpoch)
        switch outcome {
        case .decided(let decision): return decision
        case .invalid(let error): throw error
        }
    }

    /// Every agent this snapshot knows, sorted.
    public var agents: [AgentName] { storage.agentNames.sorted() }

    /// What `agent` holds — live or not — with what carried it, in evaluation order.
    public func holdings(of agent: AgentName) -> [DecisionBasis] { storage.basesByAgent[agent] ?? [] }
}
