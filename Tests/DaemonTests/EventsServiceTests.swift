import Audit
import Capabilities
import Detection
import Foundation
import GRPCCore
import PKI
import Policy
import SecurityTesting
import Testing

@testable import Daemon

/// The events API as the gRPC handlers and the CLI call it: who may read, the window, the ledger before it.
@Suite("Events API: the window, the ledger before it, and who may read which kind")
final class EventsServiceTests {
    let directory: String
    let clock = ManualClock(.seconds(1_800_000_000))
    let ledger: Ledger
    let ledgerDirectory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.path + "/aios-events-\(UUID().uuidString)"
        ledgerDirectory = directory + "/audit"
        ledger = try Ledger(
            directory: ledgerDirectory, signer: try AuditKeys.loadOrCreate(in: ledgerDirectory), clock: clock)
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func service() throws -> SecurityService {
        let policy = try SecurityPolicy.parse(
            yaml: """
                worker-a:
                  capabilities: ["fs:read:/tmp/*"]
                watcher:
                  capabilities: ["monitor:read:events/alerts"]
                """, file: "events-test.yaml")
        let core = DaemonCore(
            policy: policy, ledger: ledger, ledgerDirectory: ledgerDirectory, denyList: DenyList(), clock: clock)
        return SecurityService(
            core: core,
            broker: Broker(protected: core.protected, backups: BackupStore(directory: directory + "/backups")))
    }

    static func alert(_ action: String) -> AuditDraft {
        AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: action, target: "10.0.0.7", result: .denied,
            riskLevel: .high)
    }

    static func caller(_ kind: SPIFFEID.Kind, _ name: String) throws -> Caller {
        Caller(identity: try SPIFFEID(kind: kind, name: name), serial: "1")
    }

    @Test("alerts from before the daemon started come from the ledger, newer ones from the window, oldest first")
    func windowAndLedger() async throws {
        _ = try await ledger.append(Self.alert("before.start"))
        _ = try await ledger.append(
            AuditDraft(
                eventType: .capabilityGrant, agent: "orchestrator", action: "grant", target: "x", result: .success,
                riskLevel: .low))
        clock.advance(by: .seconds(60))
        let service = try service()
        clock.advance(by: .seconds(60))
        let recorded = try await ledger.append(Self.alert("after.start"))
        let orchestrator = try Self.caller(.service, "orchestrator")

        let answer = try service.events(
            caller: orchestrator, kind: .alerts, since: .seconds(1_800_000_000 - 60), limit: 100)
        #expect(
            answer.events.map { try! JSONParser.parse($0.json)["action"]?.stringValue } == [
                "before.start", "after.start",
            ])
        #expect(answer.events.last?.json == recorded.canonicalJSON, "the window holds the ledger's entry as committed")
        #expect(answer.windowSince == .seconds(1_800_000_060))
        #expect(!answer.truncated)

        let newest = try service.events(caller: orchestrator, kind: .alerts, since: .seconds(0), limit: 1)
        #expect(newest.events.map(\.json) == [recorded.canonicalJSON])
        #expect(newest.truncated)
        #expect(try service.events(caller: orchestrator, kind: .files, since: .seconds(0), limit: 10).events.isEmpty)
    }

    @Test("an observation the ledger did not record is served with an empty id")
    func unrecordedObservation() throws {
        let service = try service()
        let exec = AuditDraft(
            eventType: .humanCommand, agent: "host", action: "process.exec", target: "/usr/bin/id", result: .success,
            riskLevel: .low)
        service.core.events.publish(HostEvent(kind: .processes, time: clock.now(), draft: exec))
        let answer = try service.events(
            caller: try Self.caller(.operator, "alice"), kind: .processes, since: .seconds(0), limit: 10)
        #expect(answer.events.count == 1)
        #expect(answer.events.first?.json.hasPrefix(#"{"id":"","#) == true)
    }

    @Test("an agent reads only the kinds its capabilities name; a bad limit is refused")
    func whoMayRead() throws {
        let service = try service()
        let watcher = try Self.caller(.agent, "watcher")
        #expect(throws: Never.self) { try service.events(caller: watcher, kind: .alerts, since: .seconds(0), limit: 5) }
        for (caller, kind) in [(watcher, HostEventKind.network), (try Self.caller(.agent, "worker-a"), .alerts)] {
            let error = #expect(throws: RPCError.self) {
                try service.events(caller: caller, kind: kind, since: .seconds(0), limit: 5)
            }
            #expect(error?.code == .permissionDenied)
        }
        let orchestrator = try Self.caller(.service, "orchestrator")
        for limit in [0, SecurityService.maximumEventLimit + 1] {
            let error = #expect(throws: RPCError.self) {
                try service.events(caller: orchestrator, kind: .alerts, since: .seconds(0), limit: limit)
            }
            #expect(error?.code == .invalidArgument)
        }
    }
}
