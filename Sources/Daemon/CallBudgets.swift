import Capabilities
import Policy

/// Every RPC is rate-limited per caller identity (its SPIFFE URI), in one token bucket per class of method, before
/// its request is read. A refusal is `RESOURCE_EXHAUSTED`; refusals are counted (`RefusalTally`), not each recorded.
///
/// | class | methods | budget per identity |
/// | --- | --- | --- |
/// | decisions | Authorize, ExecuteTool | 10 × the policy's `rate_limit` (the Gate applies the policy's own budget to agents, audited) |
/// | management | GrantTemporary, Revoke, CompleteTask, Confirm, SpawnAgent, StopAgent, RunTask, ChangeFirewall, EmergencyStop, ResumeChallenge, Resume | 20/s, burst 100 |
/// | reads | Status, ListGrants, ListPending, ListAgents, ListFirewall | 100/s, burst 400 |
/// | ledger scans | QueryAudit, VerifyAudit (each reads the ledger) | 5/s, burst 20 |
/// | renewals | RenewIdentity (each signs a certificate and grows the CA's log) | one per 10 s, burst 5 |
public struct CallBudgets: Sendable {
    public enum MethodClass: String, Sendable, CaseIterable {
        case decisions
        case management
        case reads
        case ledgerScans = "ledger scans"
        case renewals
    }

    let limiters: [MethodClass: RateLimiter]

    public init(
        decisions: RateLimiter, management: RateLimiter, reads: RateLimiter, ledgerScans: RateLimiter,
        renewals: RateLimiter = Self.renewalLimiter
    ) {
        limiters = [
            .decisions: decisions, .management: management, .reads: reads, .ledgerScans: ledgerScans,
            .renewals: renewals,
        ]
    }

    /// A holder renews once per 2/3 of a lifetime of at least 10 s; a loop of renewals is a flood of certificates.
    public static var renewalLimiter: RateLimiter { RateLimiter(rate: 0.1, burst: 5) }

    /// The defaults above, the decisions' budget derived from the policy's `rate_limit`.
    public static func standard(policy rate: RateLimit) -> CallBudgets {
        CallBudgets(
            decisions: RateLimiter(rate: rate.perSecond * 10, burst: rate.burst * 10),
            management: RateLimiter(rate: 20, burst: 100), reads: RateLimiter(rate: 100, burst: 400),
            ledgerScans: RateLimiter(rate: 5, burst: 20))
    }

    /// Budgets no caller reaches (benchmarks measure the daemon, not the limiter; the check still runs).
    public static let unlimited = CallBudgets(
        decisions: RateLimiter(rate: 1e12, burst: 1e12), management: RateLimiter(rate: 1e12, burst: 1e12),
        reads: RateLimiter(rate: 1e12, burst: 1e12), ledgerScans: RateLimiter(rate: 1e12, burst: 1e12),
        renewals: RateLimiter(rate: 1e12, burst: 1e12))

    public static func methodClass(_ method: String) -> MethodClass {
        switch method {
        case "Authorize", "ExecuteTool": .decisions
        case "Status", "ListGrants", "ListPending", "ListAgents", "ListFirewall": .reads
        case "QueryAudit", "VerifyAudit": .ledgerScans
        case "RenewIdentity": .renewals
        default: .management
        }
    }

    /// Takes a token for `identity` calling `method`; nil when allowed, else the refused class and its budget.
    public func take(identity: String, method: String, at now: Timestamp) -> (MethodClass, String)? {
        let methodClass = Self.methodClass(method)
        guard let limiter = limiters[methodClass], !limiter.take(identity + "|" + methodClass.rawValue, at: now)
        else { return nil }
        return (methodClass, limiter.describe)
    }
}
