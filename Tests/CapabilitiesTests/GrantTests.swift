import SecurityTesting
import Testing

@testable import Capabilities

@Suite("Grants: temporary, expired, revoked, task completion, and no self-granting")
struct GrantTests {
    static let taskCeiling = GrantCeiling(
        allowed: ["fs:*", "process:*", "net:connect:*", "net:listen:*", "pkg:install:*", "service:*"].map(cap),
        excluded: ["fs:*:/var/lib/aios", "fs:*:/var/lib/aios/*"].map(cap))

    static func cap(_ text: String) -> Capability { try! Capability(parsing: text) }

    static func authority() throws -> Authority {
        let roles = [
            RoleDefinition(name: "aios-agent-task", capabilities: [], ceiling: taskCeiling),
            RoleDefinition(
                name: "aios-agent-monitor", capabilities: [cap("monitor:*")],
                ceiling: GrantCeiling(allowed: [cap("monitor:*")])),
        ]
        return try Authority(
            roles: roles,
            agents: [
                "task-1": [RoleMembership(role: "aios-agent-task")],
                "mon": [RoleMembership(role: "aios-agent-monitor")],
            ])
    }

    static func request(
        _ capability: String, _ lifetime: GrantRequest.Lifetime = .duration(.seconds(600)),
        agent: AgentName = "task-1", task: TaskID? = "task-123"
    ) -> GrantRequest {
        GrantRequest(agent: agent, capability: cap(capability), lifetime: lifetime, reason: "Deploying", taskID: task)
    }

    func write(_ set: CapabilitySet, _ path: String, at now: Timestamp) throws -> Decision {
        try set.check(agent: "task-1", namespace: "fs", action: "write", resource: path, at: now)
    }

    @Test("a temporary grant matches until its expiry and not at it (the clock is injected)")
    func expiry() throws {
        let clock = ManualClock()
        var authority = try Self.authority()
        let outcome = authority.grant(
            Self.request("fs:write:/opt/myapp/*", .duration(try GrantDuration(parsing: "10m"))), by: .orchestrator,
            at: clock.now())
        guard case .granted(let grant) = outcome else { Issue.record("refused: \(outcome)"); return }
        #expect(grant.expiresAt == clock.now().adding(.seconds(600)))
        let set = authority.capabilitySet()
        #expect(try write(set, "/opt/myapp/a", at: clock.now()).isAllowed)
        clock.advance(by: .seconds(599))
        #expect(try write(set, "/opt/myapp/a", at: clock.now()).isAllowed)
        clock.advance(by: .seconds(1))
        let decision = try write(set, "/opt/myapp/a", at: clock.now())
        guard case .denied(.expired(let basis)) = decision else { Issue.record("got \(decision)"); return }
        #expect(basis.source == .grant(grant.id, expiresAt: grant.expiresAt, taskID: "task-123"))
        #expect(grant.state(at: clock.now()) == .expired(at: grant.expiresAt!))
    }

    @Test("completing the task stops its grants, with a reason distinct from expiry and from revocation")
    func taskCompletion() throws {
        var authority = try Self.authority()
        let now = Timestamp.seconds(1_760_000_000)
        _ = authority.grant(Self.request("fs:write:/opt/a/*"), by: .orchestrator, at: now)
        _ = authority.grant(Self.request("fs:write:/opt/b/*", task: "other"), by: .orchestrator, at: now)
        guard case .revoked(let revoked) = authority.completeTask("task-123", by: .orchestrator, at: now) else {
            Issue.record("task completion refused"); return
        }
        #expect(revoked.count == 1)
        let set = authority.capabilitySet()
        let decision = try write(set, "/opt/a/x", at: now)
        guard case .denied(.revoked(_, let revocation)) = decision else { Issue.record("got \(decision)"); return }
        #expect(revocation.cause == .taskCompleted("task-123"))
        #expect(try write(set, "/opt/b/x", at: now).isAllowed)
    }

    @Test("an explicit revocation is recorded with who and why, and cannot be repeated")
    func revocation() throws {
        var authority = try Self.authority()
        let now = Timestamp.seconds(1_760_000_000)
        guard case .granted(let grant) = authority.grant(Self.request("net:listen:8080"), by: .orchestrator, at: now)
        else {
            Issue.record("refused"); return
        }
        let outcome = authority.revoke(grant.id, reason: "done early", by: .operator("alice"), at: now)
        guard case .revoked(let list) = outcome, let revoked = list.first else { Issue.record("\(outcome)"); return }
        #expect(
            revoked.state(at: now)
                == .revoked(Revocation(cause: .revoked(reason: "done early"), at: now, by: .operator("alice"))))
        let again = authority.revoke(grant.id, reason: "again", by: .orchestrator, at: now)
        #expect(again == .refused(.alreadyInactive(grant.id, revoked.state(at: now))))
    }

    @Test("an agent cannot grant itself anything")
    func noSelfGrant() throws {
        var authority = try Self.authority()
        let outcome = authority.grant(Self.request("fs:write:/opt/x/*"), by: .agent("task-1"), at: .seconds(0))
        #expect(outcome == .refused(.selfGrant("task-1", Self.cap("fs:write:/opt/x/*"))))
        #expect(authority.allGrants.isEmpty)
    }

    @Test("an agent cannot grant others, and an operator cannot grant either")
    func onlyTheOrchestratorGrants() throws {
        var authority = try Self.authority()
        let byAgent = authority.grant(Self.request("fs:write:/opt/x/*"), by: .agent("mon"), at: .seconds(0))
        #expect(byAgent == .refused(.notOrchestrator(.agent("mon"))))
        let byOperator = authority.grant(Self.request("fs:write:/opt/x/*"), by: .operator("alice"), at: .seconds(0))
        #expect(byOperator == .refused(.notOrchestrator(.operator("alice"))))
        #expect(
            authority.revoke("grant-000001", reason: "x", by: .agent("mon"), at: .seconds(0))
                == .refused(.mayNotRevoke(.agent("mon"))))
        #expect(authority.allGrants.isEmpty)
    }

    @Test(
        "grants beyond the role's ceiling are refused, naming why",
        arguments: [
            ("sec:scan:*", CeilingViolation.notCovered),
            ("secret:read:api-key", .notCovered),
            ("net:*", .notCovered),
            ("fs:write:/var/lib/aios/audit/x", .excluded(by: cap("fs:*:/var/lib/aios/*"))),
            ("fs:*:*", .excluded(by: cap("fs:*:/var/lib/aios"))),
            ("fs:write:/var/*", .excluded(by: cap("fs:*:/var/lib/aios"))),
        ])
    func ceiling(_ capability: String, _ violation: CeilingViolation) throws {
        var authority = try Self.authority()
        let outcome = authority.grant(Self.request(capability), by: .orchestrator, at: .seconds(0))
        #expect(
            outcome
                == .refused(
                    .outsideCeiling(Self.cap(capability), agent: "task-1", violations: ["aios-agent-task": violation])))
    }

    @Test("grants within the ceiling, a reason and a future expiry are required")
    func requestChecks() throws {
        var authority = try Self.authority()
        let now = Timestamp.seconds(100)
        #expect(
            authority.grant(Self.request("fs:read:/opt/*", .until(now)), by: .orchestrator, at: now)
                == .refused(.alreadyExpired(now)))
        let noReason = GrantRequest(
            agent: "task-1", capability: Self.cap("fs:read:/opt/*"), lifetime: .permanent, reason: "  ", taskID: nil)
        #expect(authority.grant(noReason, by: .orchestrator, at: now) == .refused(.missingReason))
        #expect(
            authority.grant(Self.request("fs:read:/opt/*", agent: "ghost"), by: .orchestrator, at: now)
                == .refused(.unknownAgent("ghost")))
    }

    @Test("the sweeper's view: grants that expired within a window")
    func expiringWindow() throws {
        var authority = try Self.authority()
        let now = Timestamp.seconds(1000)
        _ = authority.grant(Self.request("fs:read:/a/*", .until(.seconds(1010))), by: .orchestrator, at: now)
        _ = authority.grant(Self.request("fs:read:/b/*", .until(.seconds(1020))), by: .orchestrator, at: now)
        #expect(
            authority.grantsExpiring(after: .seconds(1000), upTo: .seconds(1010)).map(\.capability.description) == [
                "fs:read:/a/*"
            ])
        #expect(authority.grantsExpiring(after: .seconds(1010), upTo: .seconds(1030)).count == 1)
    }
}

@Suite("Durations and timestamps")
struct DurationTests {
    @Test(
        "written durations parse",
        arguments: [("10m", 600), ("1h30m", 5400), ("90s", 90), ("2d", 172_800), ("1d2h3m4s", 93_784)])
    func parses(_ text: String, _ seconds: Int64) throws {
        let duration = try GrantDuration(parsing: text)
        #expect(duration.milliseconds == seconds * 1000)
        #expect(try GrantDuration(parsing: duration.description) == duration)
    }

    @Test(
        "bad durations name the column",
        arguments: [("", 1), ("10", 2), ("m", 1), ("10x", 3), ("30m1h", 5), ("0s", 1), ("400d", 4), ("1h1h", 4)])
    func rejects(_ text: String, _ column: Int) {
        do {
            _ = try GrantDuration(parsing: text)
            Issue.record("'\(text)' must be rejected")
        } catch {
            #expect(error.column == column)
        }
    }

    @Test("timestamps print as RFC 3339 UTC with milliseconds")
    func rfc3339() {
        #expect(Timestamp(millisecondsSinceEpoch: 1_704_112_496_789).rfc3339 == "2024-01-01T12:34:56.789Z")
        #expect(Timestamp(millisecondsSinceEpoch: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 951_782_400_000).rfc3339 == "2000-02-29T00:00:00.000Z")
    }
}
