import Foundation
import Testing

@testable import Detection

/// One escalation against the real Messages API. It needs a key, so it runs only when AIOS_ANTHROPIC_API_KEY is set
/// (the model from AIOS_ANTHROPIC_MODEL, default below); otherwise the trait skips it and the run lists it as
/// skipped with the reason — never as passed.
@Suite struct EscalationSmokeTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test(
        .enabled(
            if: environment["AIOS_ANTHROPIC_API_KEY"]?.isEmpty == false,
            "skipped: set AIOS_ANTHROPIC_API_KEY to escalate once to the real Messages API"))
    func theRealAPIAnswersWithAVerdictThatPassesValidation() async throws {
        let settings = EscalationSettings(
            model: Self.environment["AIOS_ANTHROPIC_MODEL"] ?? "claude-sonnet-4-5", maxTokens: 1024,
            requestTimeout: .seconds(90), maxAttempts: 2, callsPerHour: 1,
            allowedActions: [.blockAddress, .raiseAlert, .suggestEmergencyStop])
        let key = Self.environment["AIOS_ANTHROPIC_API_KEY"] ?? ""
        let escalator = try Escalator(settings: settings, apiKey: { key })
        let result = await escalator.escalate(
            events: EscalationFixtures.attack + EscalationFixtures.injected, score: 0.93,
            context: EscalationContext(features: [("failed_auth", 40), ("new_process_fetch_exec", 1)]))
        await escalator.shutdown()
        guard case .verdict(let verdict) = result.outcome else {
            Issue.record("no validated verdict: \(result.outcome)")
            return
        }
        for action in verdict.actions {
            #expect(action.target != EscalationFixtures.injectedAddress)
        }
        #expect(result.apiCalls.allSatisfy { $0.details["input_tokens"] != nil })
    }
}
