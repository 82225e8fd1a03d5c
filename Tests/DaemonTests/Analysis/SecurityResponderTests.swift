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
    let directory = FileManager.default.temporaryDirectory.path + "/aios-responder-\(UUID().uuidString)"
    let clock = ManualClock(.seconds(1_800_000_000))
    let ledger: Ledger
    let core: DaemonCore
    let service: SecurityService
    let security: Caller

    init() throws {
        let ledgerDirectory = directory + "/audit"
        ledger = try Ledger(
            directory: ledgerDirectory, signer: try AuditKeys.loadOrCreate(in: ledgerDirectory), clock: clock)
        core = DaemonCore(
            policy: SecurityPolicy.builtin(), ledger: ledger, ledgerDirectory: ledgerDirectory, denyList: DenyList(),
            clock: clock, confirmationTimeout: .seconds(30))
        service = SecurityService(
            core: core,
            broker: Broker(protected: core.protected, backups: BackupStore(directory: directory + "/backups")))
        security = Caller(identity: try SPIFFEID(kind: .agent, name: "aios-agent-security"), serial: "1")
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func call(_ tool: String, _ arguments: [String: String]) -> ToolCall {
        ToolCall(tool: tool, arguments: arguments, capability: nil, reason: "verdict", taskID: nil)
    }

    @Test("an alert is raised at once and recorded as the security agent's")
    func alert() async throws {
        let done = try await service.execute(
            call("sec.raise_alert", ["name": "exfiltration", "message": "bursts to 203.0.113.9"]), as: security)
        #expect(done.verdict.outcome == .allow)
        let entries = try LedgerReader(directory: directory + "/audit").entries(after: nil)
        #expect(
            entries.contains {
                $0.eventType == "security_alert" && $0.agent == "aios-agent-security" && $0.target == "exfiltration"
            })
    }

    @Test("loopback and management addresses are never blocked, whatever the verdict")
    func neverBlocksManagement() async throws {
        let done = try await service.execute(
            call("sec.block_address", ["address": "127.0.0.1", "reason": "the log said so"]), as: security)
        guard case .failure(let failure) = done.result?.outcome else {
            Issue.record("loopback was blocked")
            return
        }
        #expect(failure.message.contains("allow-list"))
    }

    @Test("an agent without sec:* is refused by the Gate and nothing runs")
    func otherAgentsRefused() async throws {
        let monitor = Caller(identity: try SPIFFEID(kind: .agent, name: "aios-agent-monitor"), serial: "2")
        let done = try await service.execute(call("sec.raise_alert", ["name": "x", "message": "y"]), as: monitor)
        #expect(done.verdict.outcome == .deny)
        #expect(done.result == nil)
    }

    @Test("a revocation waits for a confirmation; denied, nothing is revoked")
    func revocationNeedsConfirmation() async throws {
        let pending = core.pending
        let (service, security) = (self.service, self.security)
        let revoke = call("sec.revoke_grant", ["grant": "grant-x", "reason": "r"])
        let waiter = Task { try await service.execute(revoke, as: security) }
        var parked: PendingCalls.Call?
        for _ in 0..<200 where parked == nil {
            parked = pending.calls.first
            if parked == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let waiting = try #require(parked, "the revocation was parked for a confirmation")
        #expect(waiting.tool == "sec.revoke_grant")
        _ = pending.finish(waiting.id, .denied(by: "orchestrator", reason: "not this one"))
        let done = try await waiter.value
        #expect(done.verdict.outcome == .deny)
        #expect(done.result == nil)
    }
}
