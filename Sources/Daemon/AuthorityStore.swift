import Capabilities
import Synchronization

/// The live authority: roles from policy plus grants made at run time. Changes are serialised by a lock and
/// publish a new compiled ``CapabilitySet``; checks read the current snapshot without waiting for a change.
public final class AuthorityStore: Sendable {
    private struct State {
        var authority: Authority
        /// The last time expired grants were swept (see ``sweepExpired(now:)``).
        var sweptUpTo: Timestamp
    }

    private let state: Mutex<State>
    private let snapshot: Mutex<CapabilitySet>

    /// Grant ids carry the start time (`grant-<base36 ms>-000001`), so ids stay unique across daemon restarts and
    /// a ledger entry names one grant only.
    public init(_ authority: Authority, now: Timestamp) {
        var authority = authority
        authority.grantIDPrefix = "grant-\(String(now.millisecondsSinceEpoch, radix: 36))-"
        state = Mutex(State(authority: authority, sweptUpTo: now))
        snapshot = Mutex(authority.capabilitySet())
    }

    public func check(_ request: AccessRequest, for agent: AgentName, at now: Timestamp) -> Decision {
        snapshot.withLock { $0 }.check(request, for: agent, at: now)
    }

    /// Makes a grant, which matches only after `record` returned: a grant the ledger did not take never existed
    /// (no call can be decided by it, nothing needs rolling back). Grants are serialised, so the ledger's order is
    /// the order they took effect.
    public func grant(
        _ request: GrantRequest, by principal: Principal, at now: Timestamp, record: (Grant) throws -> Void
    ) throws -> GrantOutcome {
        try state.withLock { state in
            var proposed = state.authority
            let outcome = proposed.grant(request, by: principal, at: now)
            if case .granted(let grant) = outcome { try record(grant) }
            state.authority = proposed
            let compiled = proposed.capabilitySet()
            snapshot.withLock { $0 = compiled }
            return outcome
        }
    }

    public func revoke(_ id: GrantID, reason: String, by principal: Principal, at now: Timestamp) -> RevocationOutcome {
        change { $0.revoke(id, reason: reason, by: principal, at: now) }
    }

    public func completeTask(_ task: TaskID, by principal: Principal, at now: Timestamp) -> RevocationOutcome {
        change { $0.completeTask(task, by: principal, at: now) }
    }

    /// Grants that expired since the previous sweep (each is reported once), so the daemon can record an audited
    /// `capability_revoke` with reason `expired` for it.
    public func sweepExpired(now: Timestamp) -> [Grant] {
        state.withLock { state in
            let expired = state.authority.grantsExpiring(after: state.sweptUpTo, upTo: now)
            state.sweptUpTo = now
            return expired
        }
    }

    /// Active grants, optionally of one agent.
    public func activeGrants(of agent: AgentName? = nil, at now: Timestamp) -> [Grant] {
        state.withLock { state in
            state.authority.allGrants.filter { grant in
                grant.state(at: now) == .active && (agent == nil || grant.agent == agent)
            }
        }
    }

    public func isKnown(_ agent: AgentName) -> Bool { state.withLock { $0.authority.memberships[agent] != nil } }

    private func change<T>(_ body: (inout Authority) -> T) -> T {
        state.withLock { state in
            let result = body(&state.authority)
            let compiled = state.authority.capabilitySet()
            snapshot.withLock { $0 = compiled }
            return result
        }
    }
}
