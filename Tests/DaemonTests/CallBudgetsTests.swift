import Capabilities
import Policy
import Testing

@testable import Daemon

@Suite("Call budgets: every RPC rate-limited per identity, by class of method")
struct CallBudgetsTests {
    let now = Timestamp.seconds(1_760_000_000)

    @Test("management calls (self-grants included) stop at the burst for one identity, not for another")
    func management() {
        let budgets = CallBudgets.standard(policy: RateLimit.default)
        let agent = "spiffe://aios.local/agent/aios-agent-task"
        let refused = (0..<3000).filter { _ in budgets.take(identity: agent, method: "GrantTemporary", at: now) != nil }
        #expect(refused.count == 3000 - 100)
        #expect(budgets.take(identity: agent, method: "GrantTemporary", at: now)?.0 == .management)
        #expect(budgets.take(identity: agent, method: "Status", at: now) == nil, "reads have their own bucket")
        let orchestrator = "spiffe://aios.local/service/orchestrator"
        #expect(budgets.take(identity: orchestrator, method: "Revoke", at: now) == nil)
        #expect(budgets.take(identity: agent, method: "GrantTemporary", at: now.adding(.seconds(1))) == nil, "refills")
    }

    @Test("decisions get ten times the policy's rate_limit here: the Gate applies the policy's own, audited")
    func decisions() {
        let budgets = CallBudgets.standard(policy: RateLimit(perSecond: 1, burst: 2))
        let agent = "spiffe://aios.local/agent/aios-agent-system"
        let allowed = (0..<50).filter { _ in budgets.take(identity: agent, method: "Authorize", at: now) == nil }
        #expect(allowed.count == 20)
        #expect(CallBudgets.methodClass("ExecuteTool") == .decisions)
        #expect(CallBudgets.methodClass("VerifyAudit") == .ledgerScans)
        #expect(CallBudgets.methodClass("ListFirewall") == .reads)
        #expect(CallBudgets.methodClass("ChangeFirewall") == .management)
    }

    @Test("renewals have a budget of their own: a loop of RenewIdentity stops at five, and refills slowly")
    func renewals() {
        let budgets = CallBudgets.standard(policy: RateLimit.default)
        let agent = "spiffe://aios.local/agent/aios-agent-task"
        let allowed = (0..<50).filter { _ in budgets.take(identity: agent, method: "RenewIdentity", at: now) == nil }
        #expect(allowed.count == 5)
        #expect(budgets.take(identity: agent, method: "RenewIdentity", at: now.adding(.seconds(2)))?.0 == .renewals)
        #expect(budgets.take(identity: agent, method: "RenewIdentity", at: now.adding(.seconds(11))) == nil)
        #expect(budgets.take(identity: agent, method: "GrantTemporary", at: now) == nil, "other classes untouched")
    }
}
