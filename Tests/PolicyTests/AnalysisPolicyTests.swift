import Capabilities
import Testing

@testable import Policy

@Suite("analysis: the loop's interval, model signers, escalation and allowed responses")
struct AnalysisPolicyTests {
    @Test("the defaults: every 30 s over 5 minutes, escalate above 0.7, every response but the emergency stop")
    func defaults() throws {
        let analysis = try SecurityPolicy.parse(yaml: "r:\n  capabilities: []\n", file: "p.yaml").analysis
        #expect(analysis.interval == .seconds(30) && analysis.window == .seconds(300))
        #expect(analysis.threshold == 0.7)
        #expect(Set(analysis.actions) == Set(AnalysisPolicy.Action.allCases))
        #expect(analysis.escalation.endpoint == "https://api.anthropic.com")
        #expect(analysis.actor == AgentName("aios-agent-security"))
    }

    @Test("a policy sets each part")
    func settings() throws {
        let key = "ed25519:" + String(repeating: "A", count: 43) + "="
        let yaml = """
            r:
              capabilities: []
            analysis:
              interval: 10s
              threshold: 0.9
              actor: r
              model: {file: /opt/m.json, manifest: /opt/m.manifest.json, signers: ["\(key)"]}
              escalation: {endpoint: "http://127.0.0.1:8080", model: claude-x, calls_per_hour: 5, max_attempts: 2}
              actions: [raise_alert, block_address]
            """
        let analysis = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").analysis
        #expect(analysis.interval == .seconds(10) && analysis.threshold == 0.9 && analysis.actor == AgentName("r"))
        #expect(analysis.model.signers == [key] && analysis.model.file == "/opt/m.json")
        #expect(analysis.escalation.endpoint == "http://127.0.0.1:8080" && analysis.escalation.callsPerHour == 5)
        #expect(analysis.actions == [.raiseAlert, .blockAddress])
    }

    @Test(
        "bad settings are located errors",
        arguments: [
            ("analysis:\n  threshold: 1.5\n", "p.yaml:2:14: analysis.threshold must be a number from 0 to 1"),
            ("analysis:\n  interval: 1s\n", "p.yaml:2:13: analysis.interval must be from 5s to 3600s"),
            ("analysis:\n  actions: [emergency_stop]\n", "p.yaml:2:13: analysis.actions: the emergency stop is never"),
            ("analysis:\n  actions: [reboot]\n", "p.yaml:2:13: analysis.actions: 'reboot' is not one of"),
            ("analysis:\n  actor: nobody\n", "p.yaml:2:10: analysis.actor: 'nobody' is not an agent"),
            ("analysis:\n  model: {signers: [rsa:abc]}\n", "p.yaml:2:21: analysis.model.signers: a key is"),
            ("analysis:\n  model: {file: relative.json}\n", "p.yaml:2:17: analysis.model.file"),
            (
                "analysis:\n  escalation: {endpoint: \"http://api.example.org\"}\n",
                "p.yaml:2:26: analysis.escalation.endpoint must be an https:// address"
            ),
            ("analysis:\n  escalation: {max_attempts: 9}\n", "p.yaml:2:30: analysis.escalation.max_attempts"),
            ("analysis:\n  autopilot: true\n", "p.yaml:2:3: unknown key 'autopilot'"),
        ])
    func bad(yaml: String, expected: String) {
        expectIssue(snippet: yaml, expected)
    }
}
