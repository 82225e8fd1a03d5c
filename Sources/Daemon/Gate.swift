import Capabilities
import Emergency
import Policy

/// A tool call (or a bare capability check) as it reaches the Gate; the caller comes from its certificate.
public struct ToolCall: Sendable {
    public var tool: String?
    public var arguments: [String: String]
    /// Instead of a tool: a request written like a capability (`fs:read:/etc/hosts`).
    public var capability: String?
    public var reason: String
    public var taskID: String?

    public init(tool: String?, arguments: [String: String], capability: String?, reason: String, taskID: String?) {
        self.tool = tool
        self.arguments = arguments
        self.capability = capability
        self.reason = reason
        self.taskID = taskID
    }
}

/// The Gate's answer: what decided, and why — recorded in the ledger before anything acts on it.
public struct GateVerdict: Sendable {
    public enum Outcome: Sendable, Equatable {
        case allow
        case deny
        /// Allowed by capability, but high-risk: the orchestrator must confirm first.
        case confirm
    }

    public let outcome: Outcome
    /// The check that decided (`identity`, `emergency`, `rate`, `tool`, `capability`, `risk`).
    public let check: String
    public let explanation: String
    /// The request was malformed (unknown tool, bad arguments): the caller gets `invalid_argument`.
    public let malformed: Bool
    public let access: AccessRequest?
    public let tool: ToolDefinition?
    public let risk: RiskLevel
    public let allowance: Allowance?
}

/// Everything a check may read and what earlier checks found.
public struct GateContext: Sendable {
    public let caller: Caller
    public let call: ToolCall
    public let now: Timestamp
    public var agent: AgentName? = nil
    public var access: AccessRequest? = nil
    public var tool: ToolDefinition? = nil
    public var risk: RiskLevel = .low
    public var allowance: Allowance? = nil
    /// The orchestrator has confirmed this high-risk call: the Gate runs again on the current state, and only the
    /// risk check, which asked for that confirmation, stands aside.
    public var confirmed = false

    func verdict(_ outcome: GateVerdict.Outcome, _ check: String, _ explanation: String, malformed: Bool = false)
        -> GateVerdict
    {
        GateVerdict(
            outcome: outcome, check: check, explanation: explanation, malformed: malformed, access: access,
            tool: tool, risk: risk, allowance: allowance)
    }
}

/// One small check with its own reason. It stops the Gate with a verdict, or lets the next check run.
public protocol GateCheck: Sendable {
    func evaluate(_ context: inout GateContext) -> GateVerdict?
}

/// The checks in order; the first verdict wins, and a call that passes them all is allowed.
public struct Gate: Sendable {
    public let checks: [any GateCheck]

    public init(checks: [any GateCheck]) { self.checks = checks }

    /// The standard order: identity → emergency state → rate limit → tool → protected paths → capability → risk.
    /// The rate limit comes before the tool and capability checks so a misbehaving agent cannot flood the ledger
    /// with denials; protected paths come before the capability check because no capability overrides them.
    public static func standard(
        policy: SecurityPolicy, authority: AuthorityStore, emergency: EmergencySwitch, limiter: RateLimiter,
        protected: ProtectedPaths
    ) -> Gate {
        Gate(checks: [
            IdentityCheck(), EmergencyCheck(emergency: emergency), RateLimitCheck(limiter: limiter),
            ToolCheck(catalogue: policy.tools), ProtectedPathCheck(protected: protected),
            CapabilityCheck(authority: authority), RiskCheck(),
        ])
    }

    /// Runs the checks in order. A call is allowed only when a check produced an allowance and none objected;
    /// checks that pass without one (a Gate assembled without a capability check) leave the call denied.
    public func decide(_ call: ToolCall, from caller: Caller, at now: Timestamp, confirmed: Bool = false)
        -> GateVerdict
    {
        var context = GateContext(caller: caller, call: call, now: now)
        context.confirmed = confirmed
        for check in checks {
            if let verdict = check.evaluate(&context) { return verdict }
        }
        guard let allowance = context.allowance else {
            return context.verdict(.deny, "capability", "no check allowed the call")
        }
        return context.verdict(.allow, "capability", "allowed by \(allowance)")
    }
}

/// Only agents call tools; the caller's agent must exist in policy.
public struct IdentityCheck: GateCheck {
    public init() {}

    public func evaluate(_ context: inout GateContext) -> GateVerdict? {
        guard let agent = context.caller.agent else {
            return context.verdict(.deny, "identity", "\(context.caller) is not an agent; only agents call tools")
        }
        context.agent = agent
        return nil
    }
}

/// A system in manual mode denies everything (the emergency stop drives this switch).
public struct EmergencyCheck: GateCheck {
    let emergency: EmergencySwitch

    public func evaluate(_ context: inout GateContext) -> GateVerdict? {
        guard emergency.isHalted else { return nil }
        return context.verdict(.deny, "emergency", EmergencyCheck.explanation(emergency.record))
    }

    /// What every refused caller reads: manual mode, since when, by whom, why, and what ends it.
    static func explanation(_ record: ManualModeRecord?) -> String {
        guard let record else { return "manual mode (emergency stop): an operator must resume the system" }
        return "manual mode since \(record.since) (emergency stop by \(record.by): \(record.reason)); every agent call "
            + "is refused until operators resume the system (aios-sec resume)"
    }
}

/// Per-agent token bucket.
public struct RateLimitCheck: GateCheck {
    let limiter: RateLimiter

    public func evaluate(_ context: inout GateContext) -> GateVerdict? {
        guard let agent = context.agent, !limiter.take(agent.rawValue, at: context.now) else { return nil }
        return context.verdict(.deny, "rate", "rate limit exceeded for \(agent) (\(limiter.describe))")
    }
}

/// The tool and its arguments become the request to check (the catalogue says which capability and risk);
/// a bare capability check is parsed as written.
public struct ToolCheck: GateCheck {
    let catalogue: ToolCatalogue

    public func evaluate(_ context: inout GateContext) -> GateVerdict? {
        if let tool = context.call.tool {
            switch catalogue.access(tool: tool, arguments: context.call.arguments) {
            case .success(let access):
                context.access = access.request
                context.tool = access.tool
                context.risk = access.risk
                return nil
            case .failure(let error):
                return context.verdict(.deny, "tool", error.description, malformed: true)
            }
        }
        guard let text = context.call.capability else {
            return context.verdict(.deny, "tool", "name a tool or a capability", malformed: true)
        }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else {
            return context.verdict(.deny, "tool", "'\(text)' is not namespace:action[:resource]", malformed: true)
        }
        do {
            context.access = try AccessRequest(
                namespace: parts[0], action: parts[1], resource: parts.count == 3 ? parts[2] : "")
            return nil
        } catch {
            return context.verdict(.deny, "tool", "'\(text)': \(error)", malformed: true)
        }
    }
}

/// The agent's capabilities — role and live grants — must allow the request.
public struct CapabilityCheck: GateCheck {
    let authority: AuthorityStore

    public func evaluate(_ context: inout GateContext) -> GateVerdict? {
        guard let agent = context.agent, let access = context.access else {
            return context.verdict(.deny, "capability", "no agent and request to check")
        }
        switch authority.check(access, for: agent, at: context.now) {
        case .allowed(let allowance):
            context.allowance = allowance
            return nil
        case .denied(let reason):
            return context.verdict(.deny, "capability", "\(access): \(reason)")
        }
    }
}

/// High and critical tools wait for the orchestrator's confirmation.
public struct RiskCheck: GateCheck {
    public init() {}

    public func evaluate(_ context: inout GateContext) -> GateVerdict? {
        guard context.risk >= .high, !context.confirmed else { return nil }
        return context.verdict(
            .confirm, "risk", "\(context.risk)-risk tool: waits for the orchestrator's confirmation")
    }
}

/// The daemon's own state is out of every capability's reach: a request naming a protected path (or anything
/// below it) is denied whatever the role or grant says.
public struct ProtectedPathCheck: GateCheck {
    let protected: ProtectedPaths

    public func evaluate(_ context: inout GateContext) -> GateVerdict? {
        guard let access = context.access, let hit = protected.protecting(access.normalizedResource) else {
            return nil
        }
        return context.verdict(.deny, "protected", "\(access.normalizedResource) is protected daemon state (\(hit))")
    }
}
