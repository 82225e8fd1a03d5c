import Capabilities
import Emergency
import Foundation
import PKI
import Policy
import SecurityTesting
import Testing

@testable import Daemon

@Suite("The Gate: each check decides with its reason, in order")
struct GateTests {
    let policy = SecurityPolicy.builtin()
    let clock = ManualClock()
    let protected = ProtectedPaths(
        stateDirectory: "/srv/aios-state", ledgerDirectory: "/srv/aios-state/audit", policyFile: "/srv/policy.yaml")

    func gate(
        limiter: RateLimiter = RateLimiter(rate: 1000, burst: 1000), emergency: EmergencySwitch = EmergencySwitch()
    )
        -> (Gate, AuthorityStore)
    {
        let store = AuthorityStore(policy.authority(), now: clock.now())
        return (
            Gate.standard(
                policy: policy, authority: store, emergency: emergency, limiter: limiter, protected: protected), store
        )
    }

    func caller(_ kind: SPIFFEID.Kind, _ name: String) throws -> Caller {
        Caller(identity: try SPIFFEID(kind: kind, name: name), serial: "01")
    }

    func call(_ tool: String, _ arguments: [String: String]) -> ToolCall {
        ToolCall(tool: tool, arguments: arguments, capability: nil, reason: "test", taskID: nil)
    }

    @Test("an allowed call names what allowed it; a denied one says which check and why")
    func allowAndDeny() throws {
        let (gate, _) = gate()
        let system = try caller(.agent, "aios-agent-system")
        let allowed = gate.decide(
            call("fs.write", ["path": "/etc/nginx/nginx.conf", "content": "x"]), from: system, at: clock.now())
        #expect(allowed.outcome == .allow)
        #expect(allowed.allowance?.capability.description == "fs:write:/etc/*")
        let denied = gate.decide(call("fs.write", ["path": "/root/x", "content": "x"]), from: system, at: clock.now())
        #expect(denied.outcome == .deny && denied.check == "capability")
    }

    @Test("only agents call tools; the orchestrator and operators are refused at the identity check")
    func identity() throws {
        let (gate, _) = gate()
        for who in [try caller(.service, "orchestrator"), try caller(.operator, "admin")] {
            let verdict = gate.decide(call("fs.read", ["path": "/etc/hosts"]), from: who, at: clock.now())
            #expect(verdict.outcome == .deny && verdict.check == "identity")
        }
    }

    @Test("a halted system denies everything, before any other check")
    func emergency() throws {
        let emergency = EmergencySwitch()
        let (gate, _) = gate(emergency: emergency)
        emergency.halt(ManualModeRecord(since: "2026-12-03T12:00:00Z", by: "operator admin", reason: "drill"))
        let verdict = gate.decide(
            call("fs.read", ["path": "/etc/hosts"]), from: try caller(.agent, "aios-agent-system"), at: clock.now())
        #expect(verdict.outcome == .deny && verdict.check == "emergency")
        #expect(verdict.explanation.contains("manual mode since 2026-12-03T12:00:00Z"))
        #expect(verdict.explanation.contains("operator admin: drill"))
        emergency.resume()
        #expect(
            gate.decide(
                call("fs.read", ["path": "/etc/hosts"]), from: try caller(.agent, "aios-agent-system"), at: clock.now()
            ).outcome == .allow)
    }

    @Test("the rate limit is per agent and refills over time; it runs before the tool check")
    func rateLimit() throws {
        let (gate, _) = gate(limiter: RateLimiter(rate: 1, burst: 2))
        let system = try caller(.agent, "aios-agent-system")
        let monitor = try caller(.agent, "aios-agent-monitor")
        let outcomes = (0..<3).map { _ in gate.decide(call("no.such.tool", [:]), from: system, at: clock.now()).check }
        #expect(outcomes == ["tool", "tool", "rate"])
        #expect(gate.decide(call("fs.read", ["path": "/var/log/x"]), from: monitor, at: clock.now()).outcome == .allow)
        clock.advance(by: .seconds(1))
        #expect(gate.decide(call("no.such.tool", [:]), from: system, at: clock.now()).check == "tool")
    }

    @Test("malformed calls are flagged for invalid_argument: unknown tool, missing or extra arguments, bad capability")
    func malformed() throws {
        let (gate, _) = gate()
        let system = try caller(.agent, "aios-agent-system")
        for bad in [
            call("no.such.tool", [:]), call("fs.write", ["path": "/etc/x"]),
            call("fs.read", ["path": "/etc/x", "extra": "1"]),
            ToolCall(tool: nil, arguments: [:], capability: "nonsense", reason: "", taskID: nil),
        ] {
            let verdict = gate.decide(bad, from: system, at: clock.now())
            #expect(verdict.outcome == .deny && verdict.malformed, "\(bad)")
        }
    }

    @Test("high-risk tools wait for confirmation; a grant makes a task agent's call pass the capability check")
    func riskAndGrants() throws {
        let (gate, store) = gate()
        let task = try caller(.agent, "aios-agent-task")
        let delete = call("fs.delete", ["path": "/tmp/job/x"])
        #expect(gate.decide(delete, from: task, at: clock.now()).check == "capability")
        let outcome = try store.grant(
            GrantRequest(
                agent: AgentName("aios-agent-task"), capability: try Capability(parsing: "fs:delete:/tmp/job/*"),
                lifetime: .duration(.seconds(60)), reason: "cleanup", taskID: nil), by: .orchestrator, at: clock.now()
        ) { _ in }
        guard case .granted = outcome else {
            Issue.record("grant refused: \(outcome)")
            return
        }
        let verdict = gate.decide(delete, from: task, at: clock.now())
        #expect(verdict.outcome == .confirm && verdict.check == "risk")
        clock.advance(by: .seconds(61))
        #expect(gate.decide(delete, from: task, at: clock.now()).check == "capability", "the grant expired")
        #expect(store.sweepExpired(now: clock.now()).count == 1)
        #expect(store.sweepExpired(now: clock.now()).isEmpty, "each expiry is reported once")
    }

    @Test(
        "protected state is denied whatever the role says, under any spelling",
        arguments: [
            "/srv/aios-state/identities/orchestrator/key.pem", "/srv/aios-state/../aios-state/pki/ca.json",
            "/srv/policy.yaml", "/var/lib/aios/x", "/etc/aios", "/proc/self/environ", "/proc/thread-self/environ",
        ])
    func protectedPaths(path: String) throws {
        let (gate, _) = gate()
        let system = try caller(.agent, "aios-agent-system")
        let verdict = gate.decide(call("fs.read", ["path": path]), from: system, at: clock.now())
        #expect(verdict.outcome == .deny && verdict.check == "protected", "\(path): \(verdict.explanation)")
        let bare = gate.decide(
            ToolCall(tool: nil, arguments: [:], capability: "fs:read:\(path)", reason: "", taskID: nil), from: system,
            at: clock.now())
        #expect(bare.check == "protected")
    }

    @Test("the daemon's own /proc entry is protected; another process's is a matter of capabilities")
    func daemonProc() throws {
        #expect(protected.protecting("/proc/\(getpid())/environ") != nil)
        #expect(protected.protecting("/proc/1/environ") == nil)
        #expect(protected.protecting("/srv/aios-statement") == nil, "a sibling with a common prefix is not protected")
    }

    @Test("a Gate whose checks all pass without producing an allowance denies")
    func noAllowanceNoAllow() throws {
        let gate = Gate(checks: [IdentityCheck()])
        let verdict = gate.decide(
            call("fs.read", ["path": "/etc/hosts"]), from: try caller(.agent, "aios-agent-system"), at: clock.now())
        #expect(verdict.outcome == .deny)
        let (standard, _) = self.gate()
        let orchestrator = try caller(.service, "orchestrator")
        #expect(
            standard.decide(call("fs.read", ["path": "/etc/hosts"]), from: orchestrator, at: clock.now()).outcome
                == .deny)
    }

    @Test("a confirmed call is decided again: the grant that allowed it must still be there")
    func confirmationRedecides() throws {
        let (gate, store) = gate()
        let task = try caller(.agent, "aios-agent-task")
        let delete = call("fs.delete", ["path": "/tmp/job/x"])
        let outcome = try store.grant(
            GrantRequest(
                agent: AgentName("aios-agent-task"), capability: try Capability(parsing: "fs:delete:/tmp/job/*"),
                lifetime: .duration(.seconds(60)), reason: "cleanup", taskID: TaskID("t-1")), by: .orchestrator,
            at: clock.now()
        ) { _ in }
        guard case .granted(let grant) = outcome else { Issue.record("\(outcome)"); return }
        #expect(grant.id.rawValue.hasPrefix("grant-") && grant.id.rawValue.count > "grant-000001".count)
        #expect(gate.decide(delete, from: task, at: clock.now(), confirmed: true).outcome == .allow)
        _ = store.completeTask(TaskID("t-1"), by: .orchestrator, at: clock.now())
        let again = gate.decide(delete, from: task, at: clock.now(), confirmed: true)
        #expect(again.outcome == .deny && again.check == "capability")
    }

    @Test("a grant the ledger did not record never takes effect")
    func unrecordedGrant() throws {
        let (gate, store) = gate()
        struct Full: Error {}
        #expect(throws: Full.self) {
            _ = try store.grant(
                GrantRequest(
                    agent: AgentName("aios-agent-task"), capability: try Capability(parsing: "fs:read:/tmp/job/*"),
                    lifetime: .duration(.seconds(60)), reason: "x", taskID: nil), by: .orchestrator, at: clock.now()
            ) { _ in throw Full() }
        }
        let read = gate.decide(
            call("fs.read", ["path": "/tmp/job/x"]), from: try caller(.agent, "aios-agent-task"), at: clock.now())
        #expect(read.outcome == .deny)
        #expect(store.activeGrants(at: clock.now()).isEmpty)
    }
}
