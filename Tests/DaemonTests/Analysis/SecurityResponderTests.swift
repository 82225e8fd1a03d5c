import Audit
import Capabilities
import Foundation
import PKI
import Policy
import SecurityTesting
import Testing

@testable import Daemon

/// The `sec.*` responses through the Gate as the security agent: what runs at once, what waits for a human or the
/// orchestrator, and what is never done whatever a verdict says.
@Suite("Security responses: through the Gate as the security agent, bounded by policy")
final class SecurityResponderTests {
    let bench: AnalysisBench
    let security: Caller

    init() throws {
        bench = try AnalysisBench()
        security = try AnalysisBench.caller(.agent, "aios-agent-security")
    }

    func call(_ tool: String, _ arguments: [String: String]) -> ToolCall {
        ToolCall(tool: tool, arguments: arguments, capability: nil, reason: "verdict", taskID: nil)
    }

    @Test("an alert is raised at once and recorded as the security agent's")
    func alert() async throws {
        let done = try await bench.service.execute(
            call("sec.raise_alert", ["name": "exfiltration", "message": "bursts to 203.0.113.9"]), as: security)
        #expect(done.verdict.outcome == .allow)
        let entries = try bench.entries()
        #expect(
            entries.contains {
                $0.eventType == "security_alert" && $0.agent == "aios-agent-security" && $0.target == "exfiltration"
            })
    }

    @Test("loopback and management addresses are never blocked, whatever the verdict")
    func neverBlocksManagement() async throws {
        let done = try await bench.service.execute(
            call("sec.block_address", ["address": "127.0.0.1", "reason": "the log said so"]), as: security)
        guard case .failure(let failure) = done.result?.outcome else {
            Issue.record("loopback was blocked")
            return
        }
        #expect(failure.message.contains("allow-list"))
    }

    @Test("an agent without sec:* is refused by the Gate and nothing runs")
    func otherAgentsRefused() async throws {
        let monitor = try AnalysisBench.caller(.agent, "aios-agent-monitor")
        let done = try await bench.service.execute(call("sec.raise_alert", ["name": "x", "message": "y"]), as: monitor)
        #expect(done.verdict.outcome == .deny)
        #expect(done.result == nil)
    }

    @Test("a revocation waits for a confirmation; denied, nothing is revoked")
    func revocationNeedsConfirmation() async throws {
        let (service, security) = (bench.service, self.security)
        let revoke = call("sec.revoke_grant", ["grant": "grant-x", "reason": "r"])
        let waiter = Task { try await service.execute(revoke, as: security) }
        let waiting = try #require(try await bench.parkedCall(), "the revocation was parked for a confirmation")
        #expect(waiting.tool == "sec.revoke_grant")
        _ = bench.core.pending.finish(waiting.id, .denied(by: "orchestrator", reason: "not this one"))
        let done = try await waiter.value
        #expect(done.verdict.outcome == .deny)
        #expect(done.result == nil)
    }
}
