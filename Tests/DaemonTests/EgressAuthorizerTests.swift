import Audit
import Capabilities
import Emergency
import Firewall
import Foundation
import PKI
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Daemon

/// The egress proxy's decisions and ledger entries: the agent's capabilities at the moment of each connection.
@Suite("Egress: decisions from capabilities and grants, and what the ledger says")
final class EgressAuthorizerTests {
    let directory = FileManager.default.temporaryDirectory.path + "/aios-egress-\(UUID().uuidString)"
    let clock = ManualClock(.seconds(1_800_000_000))
    let ledger: Ledger
    let core: DaemonCore

    init() throws {
        ledger = try Ledger(
            directory: directory + "/audit", signer: try AuditKeys.loadOrCreate(in: directory + "/audit"), clock: clock)
        let policy = try SecurityPolicy.parse(
            yaml: """
                aios-agent-network:
                  capabilities: ["net:connect:api.anthropic.com:443"]
                aios-agent-task:
                  capabilities: ["fs:read:/tmp/*"]
                """, file: "egress-test.yaml")
        core = DaemonCore(
            policy: policy, ledger: ledger, ledgerDirectory: directory + "/audit", denyList: DenyList(), clock: clock)
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func value(_ draft: AuditDraft, _ key: String) -> JSONValue? {
        guard case .object(let members) = draft.details else { return nil }
        return members.first { $0.key == key }?.value
    }

    func destination(_ authority: String) throws -> EgressDestination { try EgressDestination(authority: authority) }

    @Test func theRolesCapabilityAllowsItsHostAndPortOnly() throws {
        let egress = EgressAuthorizer(core: core)
        #expect(
            egress.decide(agent: "aios-agent-network", destination: try destination("api.anthropic.com:443"))
                == .allow(capability: "net:connect:api.anthropic.com:443"))
        for other in ["api.openai.com:443", "api.anthropic.com:80", "160.79.104.10:443"] {
            #expect(
                egress.decide(agent: "aios-agent-network", destination: try destination(other))
                    == .deny(missing: "net:connect:\(other)"))
        }
        #expect(
            egress.decide(agent: "no-such-agent", destination: try destination("api.anthropic.com:443"))
                == .deny(missing: "net:connect:api.anthropic.com:443"))
    }

    @Test func aGrantOpensADestinationAndItsRevokeClosesIt() throws {
        let egress = EgressAuthorizer(core: core)
        let mirror = try destination("deb.example.org:443")
        #expect(
            egress.decide(agent: "aios-agent-task", destination: mirror)
                != .allow(capability: "net:connect:deb.example.org:443"))
        let outcome = try core.authority.grant(
            GrantRequest(
                agent: AgentName("aios-agent-task"),
                capability: try Capability(parsing: "net:connect:deb.example.org:443"),
                lifetime: .duration(.seconds(60)), reason: "mirror", taskID: nil), by: .orchestrator, at: clock.now()
        ) { _ in }
        guard case .granted(let grant) = outcome else {
            Issue.record("grant refused: \(outcome)")
            return
        }
        #expect(
            egress.decide(agent: "aios-agent-task", destination: mirror)
                == .allow(capability: "net:connect:deb.example.org:443"))
        _ = core.authority.revoke(grant.id, reason: "done", by: .orchestrator, at: clock.now())
        #expect(
            egress.decide(agent: "aios-agent-task", destination: mirror)
                == .deny(missing: "net:connect:deb.example.org:443"))
    }

    @Test func anEmergencyStopRefusesEveryConnection() throws {
        let egress = EgressAuthorizer(core: core)
        _ = core.emergency.halt(ManualModeRecord(since: "2026-12-04T06:00:00Z", by: "operator admin", reason: "drill"))
        #expect(
            egress.decide(agent: "aios-agent-network", destination: try destination("api.anthropic.com:443"))
                == .deny(missing: "net:connect:api.anthropic.com:443"))
    }

    @Test func aRelayedModelAPIConnectionIsAlsoAnAPICall() throws {
        var relayed = EgressConnection(agent: "aios-agent-network", started: .uptimeNanoseconds(0))
        relayed.destination = try destination("api.anthropic.com:443")
        relayed.address = "160.79.104.10"
        relayed.capability = "net:connect:api.anthropic.com:443"
        relayed.bytesOut = 1200
        relayed.bytesIn = 5400
        relayed.ended = .uptimeNanoseconds(250_000_000)
        let drafts = EgressAudit.drafts(relayed)
        #expect(drafts.map(\.eventType) == [.networkConnection, .apiCall])
        #expect(drafts[0].result == .success && drafts[0].target == "api.anthropic.com:443")
        #expect(drafts[0].capabilitiesUsed == ["net:connect:api.anthropic.com:443"])
        #expect(value(drafts[0], "address") == .string("160.79.104.10"))
        #expect(value(drafts[0], "bytes_in") == .integer(5400) && value(drafts[0], "duration_ms") == .integer(250))
        #expect(drafts[1].target == "api.anthropic.com")
        // Recorded while still open (a long tunnel): marked so, and the API call is the end's to record.
        relayed.stillOpen = true
        let open = EgressAudit.drafts(relayed)
        #expect(open.map(\.eventType) == [.networkConnection] && value(open[0], "open") == .bool(true))

        var refused = EgressConnection(agent: "aios-agent-task", started: .uptimeNanoseconds(0))
        refused.destination = try destination("evil.example:443")
        refused.refusal = .notAllowed(missing: "net:connect:evil.example:443")
        let denied = EgressAudit.drafts(refused)
        #expect(denied.map(\.eventType) == [.networkConnection])
        #expect(denied[0].result == .denied)
        #expect(value(denied[0], "missing_capability") == .string("net:connect:evil.example:443"))
    }
}

@Suite("Egress: frequent connections are folded into one entry a minute")
struct EgressRecorderTests {
    final class Appended: Sendable {
        let drafts = Mutex<[AuditDraft]>([])
    }

    @Test func beyondAHundredAMinuteConnectionsAreCountedIntoASummary() throws {
        let clock = ManualClock(.seconds(1_800_000_000))
        let appended = Appended()
        let recorder = EgressRecorder(clock: clock) { drafts in appended.drafts.withLock { $0 += drafts } }
        for index in 0..<150 {
            var connection = EgressConnection(agent: "aios-agent-task")
            connection.destination = try EgressDestination(authority: "evil.example:443")
            connection.refusal = index % 2 == 0 ? .notAllowed(missing: "net:connect:evil.example:443") : .overLimit("x")
            recorder.record(connection)
        }
        // Past the minute's hundred, a long tunnel recorded while open is still an entry of its own.
        var open = EgressConnection(agent: "aios-agent-task")
        open.destination = try EgressDestination(authority: "api.test:443")
        open.stillOpen = true
        recorder.record(open)
        recorder.close()
        var drafts = appended.drafts.withLock { $0 }
        #expect(drafts.count == EgressRecorder.perMinute + 2)
        #expect(drafts.filter { $0.target == "api.test:443" }.count == 1)
        drafts.removeAll { $0.target == "api.test:443" }
        let summary = try #require(drafts.last)
        #expect(summary.target == "aggregate" && summary.result == .denied)
        guard case .object(let details) = summary.details else { return }
        #expect(details.first { $0.key == "aggregated" }?.value == .integer(50))
        #expect(
            details.first { $0.key == "outcomes" }?.value
                == .object([("not_allowed", .integer(25)), ("over_limit", .integer(25))]))
    }
}
