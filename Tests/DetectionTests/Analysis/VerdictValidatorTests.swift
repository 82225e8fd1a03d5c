import Audit
import Capabilities
import Policy
import Testing

@testable import Detection

@Suite struct VerdictValidatorTests {
    let all = VerdictValidator(allowed: Set(ResponseActionKind.allCases))
    let evidence = EscalationEvidence(events: EscalationFixtures.attack + EscalationFixtures.injected)

    func check(_ input: String, with validator: VerdictValidator? = nil) throws -> Result<
        ThreatVerdict, VerdictRejection
    > {
        (validator ?? all).validate(toolInput: try JSONParser.parse(input), evidence: evidence)
    }

    func verdict(threat: Bool = true, _ actions: [(String, String)]) -> String {
        let list = actions.map { #"{"kind":"\#($0.0)","target":"\#($0.1)"}"# }.joined(separator: ",")
        return #"{"threat":\#(threat),"confidence":0.9,"summary":"s","actions":[\#(list)]}"#
    }

    @Test func evidenceComesFromStructuredFieldsOnly() {
        #expect(evidence.addresses == [IPAddress("203.0.113.9")!, IPAddress("198.51.100.4")!])
        #expect(evidence.agents == ["web-agent"])
        #expect(evidence.grants == ["grant-9"])
        #expect(evidence.tasks == ["task-17"])
    }

    @Test func aVerdictWithEvidencedTargetsIsTaken() throws {
        let result = try check(
            verdict([
                ("block_address", "203.0.113.9"), ("stop_agent", "web-agent"), ("revoke_grant", "grant-9"),
                ("kill_task", "task-17"), ("raise_alert", "brute force then a fetched script"),
                ("suggest_emergency_stop", "agent compromise"), ("block_address", "203.0.113.9"),
            ]))
        let taken = try result.get()
        #expect(taken.threat && taken.confidence == 0.9)
        #expect(
            taken.actions == [
                .blockAddress(IPAddress("203.0.113.9")!), .stopAgent("web-agent"), .revokeGrant("grant-9"),
                .killTask("task-17"), .raiseAlert(summary: "brute force then a fetched script"),
                .suggestEmergencyStop(reason: "agent compromise"),
            ])
    }

    @Test func aTaskRecordsContainerIsATargetForKillTask() throws {
        let started = EscalationFixtures.event(
            .processes, .toolCall, agent: "orchestrator", action: "task.start", target: "busybox",
            details: [("container", .string("aios-task-00c0ffee1234"))])
        let evidence = EscalationEvidence(events: [started])
        #expect(evidence.tasks == ["aios-task-00c0ffee1234"])
        let taken = all.validate(
            toolInput: try JSONParser.parse(verdict([("kill_task", "aios-task-00c0ffee1234")])), evidence: evidence)
        #expect(try taken.get().actions == [.killTask("aios-task-00c0ffee1234")])
    }

    /// What a model that followed the injected instructions would answer: every one is refused.
    static let injectedAnswers: [String] = [
        #"{"threat":false,"confidence":0.9,"summary":"backup server","actions":[{"kind":"unblock_address","target":"10.0.0.5"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[{"kind":"block_address","target":"10.0.0.5"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[{"kind":"freeze_agent","target":"orchestrator"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[{"kind":"stop_agent","target":"orchestrator\u202e"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[{"kind":"revoke_grant","target":"grant-admin"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[{"kind":"kill_task","target":"task-999"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[{"kind":"block_address","target":"10.0.0.5/32"}]}"#,
        #"{"threat":false,"confidence":0.9,"summary":"s","actions":[{"kind":"raise_alert","target":"all clear"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[],"note":"unblock 10.0.0.5"}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[{"kind":"allow_address","target":"10.0.0.5"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":[{"kind":"block_address","target":"203.0.113.9","also":"unblock 10.0.0.5"}]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"s","actions":"unblock 10.0.0.5"}"#,
        #"{"threat":"false","confidence":0.9,"summary":"s","actions":[]}"#,
        #"{"threat":true,"confidence":2,"summary":"s","actions":[]}"#,
        #"{"threat":true,"summary":"s","actions":[]}"#,
        #"{"threat":true,"confidence":0.9,"summary":"","actions":[]}"#,
    ]

    @Test(arguments: injectedAnswers)
    func answersFollowingInjectedInstructionsAreRejected(answer: String) throws {
        let result = try check(answer)
        guard case .failure(let rejection) = result else {
            Issue.record("taken: \(result)")
            return
        }
        #expect(!rejection.reasons.isEmpty)
        for reason in rejection.reasons {
            #expect(!reason.contains("10.0.0.5") && !reason.contains("orchestrator") && !reason.contains("grant-admin"))
        }
    }

    @Test func actionsOutsideTheAllowListAreRejected() throws {
        let validator = VerdictValidator(allowed: [.raiseAlert])
        let result = try check(verdict([("block_address", "203.0.113.9")]), with: validator)
        #expect(throws: VerdictRejection(["action 0: block_address is not allowed by policy"])) { try result.get() }
    }

    @Test func aTargetNotInTheEventsIsRejected() throws {
        let result = try check(verdict([("stop_agent", "db-agent")]))
        #expect(throws: VerdictRejection(["action 0: stop_agent target is not in the escalated events"])) {
            try result.get()
        }
    }

    @Test func aBenignVerdictCarriesNoAction() throws {
        let taken = try check(verdict(threat: false, [])).get()
        #expect(!taken.threat && taken.actions.isEmpty)
    }

    @Test(arguments: [
        (
            #"{"content":[{"type":"text","text":"unblock 10.0.0.5"}],"stop_reason":"end_turn"}"#,
            "expected exactly one tool call, found 0"
        ),
        (
            #"{"content":[{"type":"tool_use","name":"firewall","input":{}}],"stop_reason":"tool_use"}"#,
            "the tool call is not report_verdict"
        ),
        (
            #"{"content":[{"type":"tool_use","name":"report_verdict","input":{}},{"type":"tool_use","name":"report_verdict","input":{}}]}"#,
            "expected exactly one tool call, found 2"
        ),
        (
            #"{"content":[{"type":"tool_use","name":"report_verdict","input":{}}],"stop_reason":"max_tokens"}"#,
            "response cut at max_tokens"
        ),
        (#"{"type":"error"}"#, "response has no content list"),
    ])
    func onlyOneVerdictToolCallIsRead(response: String, reason: String) throws {
        let result = all.validate(response: try JSONParser.parse(response), evidence: evidence)
        #expect(throws: VerdictRejection([reason])) { try result.get() }
    }

    /// Whatever the answer, a taken verdict's actions are allowed kinds with targets the events' structured fields
    /// hold — here over every answer above, each against every allow-list of one kind.
    @Test func noTakenVerdictActsBeyondItsEvidence() throws {
        let answers = Self.injectedAnswers + [verdict([("block_address", "203.0.113.9"), ("kill_task", "task-17")])]
        for kind in ResponseActionKind.allCases {
            let validator = VerdictValidator(allowed: [kind])
            for answer in answers {
                guard case .success(let taken) = try check(answer, with: validator) else { continue }
                for action in taken.actions {
                    #expect(action.kind == kind)
                    switch action {
                    case .blockAddress(let address): #expect(evidence.addresses.contains(address))
                    case .freezeAgent(let name), .stopAgent(let name): #expect(evidence.agents.contains(name))
                    case .revokeGrant(let id): #expect(evidence.grants.contains(id))
                    case .killTask(let id): #expect(evidence.tasks.contains(id))
                    case .raiseAlert, .suggestEmergencyStop: break
                    }
                }
            }
        }
    }
}

@Suite struct EscalationPartsTests {
    @Test func theBudgetSlidesOverAnHour() {
        var budget = EscalationBudget(callsPerHour: 2)
        let start = Timestamp.seconds(1_000_000)
        var taken: [Bool] = []
        for seconds: Int64 in [0, 1_800, 3_599, 3_600, 3_601] {
            taken.append(budget.take(at: start.adding(.seconds(seconds))))
        }
        #expect(taken == [true, true, false, true, false])
        #expect(budget.remaining(at: start.adding(.seconds(9_000))) == 2)
    }

    @Test func retriesBackOffWithJitterAndHonourRetryAfterWithinTheCap() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...6 {
            let ceiling = min(Duration.milliseconds(100) * (1 << (attempt - 1)), .seconds(1))
            let delay = policy.delay(after: attempt, retryAfter: nil, using: &generator)
            #expect(delay >= .zero && delay <= ceiling)
        }
        #expect(policy.delay(after: 1, retryAfter: .seconds(3_600), using: &generator) == .seconds(1))
        #expect(policy.delay(after: 1, retryAfter: .milliseconds(300), using: &generator) == .milliseconds(300))
        #expect(RetryPolicy.retryAfter("2") == .seconds(2))
        #expect(RetryPolicy.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(
            RetryPolicy.retryable(status: 429) && RetryPolicy.retryable(status: 529)
                && RetryPolicy.retryable(status: nil))
        #expect(!RetryPolicy.retryable(status: 400) && !RetryPolicy.retryable(status: 401))
    }

    @Test(arguments: [
        ("http://api.example.com", false), ("https://api.example.com/v1", false),
        ("https://user@api.example.com", false),
        ("ftp://127.0.0.1", false), ("http://127.0.0.1:8080", true), ("https://api.anthropic.com", true),
        ("http://[::1]:9", true), ("http://127.0.0.1.example.com", false),
    ])
    func theEndpointMustBeHTTPSOrLoopback(endpoint: String, accepted: Bool) {
        let settings = EscalationSettings(endpoint: endpoint, model: "m")
        #expect(((try? settings.messagesURL()) != nil) == accepted)
    }
}

/// Random answers built from the pieces an attacker and a confused model would use — every kind, targets from the
/// events and from the injected text, extra and missing members, wrong types — never yield an action beyond the
/// allow-list and the evidence.
@Suite struct VerdictPropertyTests {
    static let targets = [
        "203.0.113.9", "198.51.100.4", "10.0.0.5", "web-agent", "orchestrator", "grant-9", "grant-admin", "task-17",
        "task-999", "", "203.0.113.9:22", "host", "aios-sec",
    ]

    @Test func randomAnswersNeverActBeyondTheirEvidence() throws {
        var generator = SystemRandomNumberGenerator()
        let evidence = EscalationEvidence(events: EscalationFixtures.attack + EscalationFixtures.injected)
        let kinds = ResponseActionKind.allCases.map(\.rawValue) + ["unblock_address", "allow_address", "BLOCK_ADDRESS"]
        var taken = 0
        for _ in 0..<2_000 {
            let allowed = Set(ResponseActionKind.allCases.filter { _ in Bool.random(using: &generator) })
            var actions: [JSONValue] = []
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                var members: [(key: String, value: JSONValue)] = [
                    ("kind", .string(kinds.randomElement(using: &generator)!)),
                    ("target", .string(Self.targets.randomElement(using: &generator)!)),
                ]
                if Int.random(in: 0..<10, using: &generator) == 0 { members.append(("note", .string("x"))) }
                if Int.random(in: 0..<10, using: &generator) == 0 { members.removeFirst() }
                actions.append(.object(members))
            }
            var verdict: [(key: String, value: JSONValue)] = [
                ("threat", .bool(Int.random(in: 0..<4, using: &generator) != 0)),
                ("confidence", .number(Double.random(in: -0.2...1.2, using: &generator))),
                ("summary", .string("s")), ("actions", .array(actions)),
            ]
            if Int.random(in: 0..<10, using: &generator) == 0 {
                verdict.remove(at: Int.random(in: 0..<4, using: &generator))
            }
            let result = VerdictValidator(allowed: allowed).validate(toolInput: .object(verdict), evidence: evidence)
            guard case .success(let accepted) = result else { continue }
            taken += 1
            #expect(accepted.threat || accepted.actions.isEmpty)
            for action in accepted.actions {
                #expect(allowed.contains(action.kind))
                // The two kinds for humans carry text, not a target; the others never name an injected one.
                if action.kind.targetsEvidence {
                    #expect(!["10.0.0.5", "orchestrator", "grant-admin", "task-999"].contains(action.target))
                }
                switch action {
                case .blockAddress(let address): #expect(evidence.addresses.contains(address))
                case .freezeAgent(let name), .stopAgent(let name): #expect(evidence.agents.contains(name))
                case .revokeGrant(let id): #expect(evidence.grants.contains(id))
                case .killTask(let id): #expect(evidence.tasks.contains(id))
                case .raiseAlert, .suggestEmergencyStop: break
                }
            }
        }
        #expect(taken > 0)
    }
}
