/// What the orchestrator asks for: the spec's `grant_temporary(agent, capability, duration, reason, task_id)`.
public struct GrantRequest: Hashable, Sendable {
    public enum Lifetime: Hashable, Sendable {
        case permanent
        case duration(GrantDuration)
        case until(Timestamp)
    }

    public let agent: AgentName
    public let capability: Capability
    public let lifetime: Lifetime
    public let reason: String
    public let taskID: TaskID?

    public init(agent: AgentName, capability: Capability, lifetime: Lifetime, reason: String, taskID: TaskID?) {
        self.agent = agent
        self.capability = capability
        self.lifetime = lifetime
        self.reason = reason
        self.taskID = taskID
    }
}

public enum GrantOutcome: Hashable, Sendable {
    case granted(Grant)
    case refused(GrantRefusal)
}

/// The outcome of a revocation or a task completion: the grants it revoked (possibly none), or why not.
public enum RevocationOutcome: Hashable, Sendable {
    case revoked([Grant])
    case refused(GrantRefusal)
}

/// Why a grant, revocation or task completion was refused.
public enum GrantRefusal: Hashable, Sendable, CustomStringConvertible {
    /// An agent asked to grant a capability to itself.
    case selfGrant(AgentName, Capability)
    /// A principal other than the orchestrator asked to grant.
    case notOrchestrator(Principal)
    /// An agent asked to revoke or complete a task.
    case mayNotRevoke(Principal)
    case unknownAgent(AgentName)
    case outsideCeiling(Capability, agent: AgentName, violations: [RoleName: CeilingViolation])
    case missingReason
    case alreadyExpired(Timestamp)
    case unknownGrant(GrantID)
    case alreadyInactive(GrantID, GrantState)

    public var description: String {
        switch self {
        case .selfGrant(let agent, let capability):
            "agent \(agent) asked to grant itself '\(capability)': no agent can grant itself capabilities"
        case .notOrchestrator(let principal):
            "\(principal) may not grant capabilities, to itself or to others: only the orchestrator can"
        case .mayNotRevoke(let principal):
            "\(principal) may not revoke grants or complete tasks: only the orchestrator or an operator can"
        case .unknownAgent(let agent): "unknown agent '\(agent)'"
        case .outsideCeiling(let capability, let agent, let violations):
            "'\(capability)' is outside the grant ceiling of agent \(agent)"
                + (violations.isEmpty
                    ? " (it has no role)"
                    : ": "
                        + violations.sorted { $0.key < $1.key }.map { "role \($0.key): \($0.value)" }
                        .joined(separator: "; "))
        case .missingReason: "a grant needs a reason"
        case .alreadyExpired(let at): "the requested expiry \(at) is not in the future"
        case .unknownGrant(let id): "unknown grant '\(id)'"
        case .alreadyInactive(let id, let state): "grant '\(id)' is no longer active (\(state))"
        }
    }
}

extension Authority {
    /// Grants a capability to an agent. Only the orchestrator may, and only within the ceiling of one of the
    /// target's roles; anyone else — an agent asking for itself or for another — gets a refusal naming why.
    public mutating func grant(_ request: GrantRequest, by principal: Principal, at now: Timestamp) -> GrantOutcome {
        if case .agent(let asker) = principal, asker == request.agent {
            return .refused(.selfGrant(asker, request.capability))
        }
        guard principal.mayGrant else { return .refused(.notOrchestrator(principal)) }
        guard memberships[request.agent] != nil else { return .refused(.unknownAgent(request.agent)) }
        guard !request.reason.allSatisfy(\.isWhitespace) else { return .refused(.missingReason) }
        var violations: [RoleName: CeilingViolation] = [:]
        var admitted = false
        for (role, ceiling) in ceilings(for: request.agent) {
            switch ceiling.admits(request.capability) {
            case .within: admitted = true
            case .outside(let violation): violations[role] = violation
            }
            if admitted { break }
        }
        guard admitted else {
            return .refused(.outsideCeiling(request.capability, agent: request.agent, violations: violations))
        }
        let expiresAt: Timestamp?
        switch request.lifetime {
        case .permanent: expiresAt = nil
        case .duration(let duration): expiresAt = now.adding(duration)
        case .until(let time):
            guard time > now else { return .refused(.alreadyExpired(time)) }
            expiresAt = time
        }
        let id = GrantID(grantIDPrefix + zeroPadded(nextGrantNumber, 6))
        nextGrantNumber += 1
        let grant = Grant(
            id: id, agent: request.agent, capability: request.capability, expiresAt: expiresAt,
            taskID: request.taskID, reason: request.reason, issuedAt: now, issuedBy: principal, revocation: nil)
        grants[id] = grant
        grantOrder.append(id)
        return .granted(grant)
    }

    /// Revokes one active grant.
    public mutating func revoke(
        _ id: GrantID, reason: String, by principal: Principal, at now: Timestamp
    ) -> RevocationOutcome {
        guard principal.mayRevoke else { return .refused(.mayNotRevoke(principal)) }
        guard var grant = grants[id] else { return .refused(.unknownGrant(id)) }
        let state = grant.state(at: now)
        guard state == .active else { return .refused(.alreadyInactive(id, state)) }
        grant.revocation = Revocation(cause: .revoked(reason: reason), at: now, by: principal)
        grants[id] = grant
        return .revoked([grant])
    }

    /// Completes a task: every active grant made for it stops matching. Returns the grants it revoked.
    public mutating func completeTask(
        _ task: TaskID, by principal: Principal, at now: Timestamp
    ) -> RevocationOutcome {
        guard principal.mayRevoke else { return .refused(.mayNotRevoke(principal)) }
        var revoked: [Grant] = []
        for id in grantOrder {
            guard var grant = grants[id], grant.taskID == task, grant.state(at: now) == .active else { continue }
            grant.revocation = Revocation(cause: .taskCompleted(task), at: now, by: principal)
            grants[id] = grant
            revoked.append(grant)
        }
        return .revoked(revoked)
    }

    /// Grants whose expiry lies in `(after, upTo]`: what a sweeper reports as expired since its last run.
    public func grantsExpiring(after: Timestamp, upTo now: Timestamp) -> [Grant] {
        allGrants.filter { grant in
            guard grant.revocation == nil, let expiry = grant.expiresAt else { return false }
            return expiry > after && expiry <= now
        }
    }
}

func zeroPadded(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
