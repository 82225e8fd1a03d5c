import Audit
import Capabilities
import Firewall
import SecurityTesting
import Synchronization
import Testing

@testable import Daemon

/// The IDS rule for agents' egress: a large upload to a destination the agent reached only recently is an alert.
@Suite("Egress: a large upload to a new destination is an alert")
struct EgressUploadWatchTests {
    final class Alerts: Sendable {
        let drafts = Mutex<[AuditDraft]>([])
    }

    func connection(_ agent: String, _ target: String, bytesOut: Int64) throws -> EgressConnection {
        var connection = EgressConnection(agent: agent)
        connection.destination = try EgressDestination(authority: target)
        connection.address = "192.0.2.7"
        connection.capability = "net:connect:\(target)"
        connection.bytesOut = bytesOut
        return connection
    }

    @Test func aNewDestinationIsAnAlertAndAnEstablishedOneIsNot() throws {
        let clock = ManualClock(.seconds(1_800_000_000))
        let alerts = Alerts()
        let watch = EgressUploadWatch(newFor: .seconds(3600), clock: clock) { drafts in
            alerts.drafts.withLock { $0 += drafts }
        }
        // paste.example reached for the first time, and already 100 MB sent: alert, naming the agent.
        watch.crossed(try connection("aios-agent-task", "paste.example:443", bytesOut: 100 << 20))
        let alert = try #require(alerts.drafts.withLock { $0.first })
        #expect(alert.eventType == .securityAlert && alert.action == "ids.egress_upload")
        #expect(alert.target == "paste.example:443" && alert.riskLevel == .high)
        #expect("\(alert.details)".contains("aios-agent-task"), "\(alert.details)")

        // api.test reached two hours ago, then a large upload: the agent's usual destination, no alert.
        watch.reached(try connection("aios-agent-task", "api.test:443", bytesOut: 10))
        clock.advance(by: .seconds(7200))
        watch.crossed(try connection("aios-agent-task", "api.test:443", bytesOut: 100 << 20))
        #expect(alerts.drafts.withLock { $0.count } == 1)
        // The same destination is new for another agent.
        watch.crossed(try connection("aios-agent-system", "api.test:443", bytesOut: 100 << 20))
        #expect(alerts.drafts.withLock { $0.count } == 2)
    }

    /// An agent that serves a port (`net:listen`) answers whoever connects: a large answer to a peer it never dealt
    /// with before is the same exfiltration as a large upload to a new destination, however long the port has
    /// been served.
    @Test func aLargeAnswerToANewPeerOfAServedPortIsAnAlert() throws {
        let clock = ManualClock(.seconds(1_800_000_000))
        let alerts = Alerts()
        let watch = EgressUploadWatch(newFor: .seconds(3600), clock: clock) { drafts in
            alerts.drafts.withLock { $0 += drafts }
        }
        func inbound(from peer: String, bytesOut: Int64) throws -> EgressConnection {
            var connection = try connection("aios-agent-web", "127.0.0.1:8080", bytesOut: bytesOut)
            connection.inboundFrom = peer
            connection.capability = "net:listen:8080"
            return connection
        }
        // A known client, for two hours: its large downloads are the service's usual traffic.
        watch.reached(try inbound(from: "198.51.100.4:40000", bytesOut: 10))
        clock.advance(by: .seconds(7200))
        watch.crossed(try inbound(from: "198.51.100.4:40123", bytesOut: 100 << 20))
        #expect(alerts.drafts.withLock { $0.isEmpty })
        // A peer never seen before gets 100 MB through the same, long-served port: alert, naming the peer.
        watch.crossed(try inbound(from: "203.0.113.9:51000", bytesOut: 100 << 20))
        let alert = try #require(alerts.drafts.withLock { $0.first })
        #expect(alert.target == "203.0.113.9", "\(alert.details)")
        #expect(alert.capabilitiesUsed == ["net:listen:8080"])
        #expect("\(alert.details)".contains("127.0.0.1:8080"), "the port it was served on")
    }
}
