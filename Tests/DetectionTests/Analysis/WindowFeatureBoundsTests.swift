import Audit
import Capabilities
import Detection
import Testing

@Suite struct WindowFeatureBoundsTests {
    static let time = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)

    static func inbound(from remote: String, port: Int64) -> HostEvent {
        HostEvent(
            kind: .network, time: time,
            draft: AuditDraft(
                eventType: .networkConnection, agent: "host", action: "net.accept", target: "tcp :\(port) ← \(remote)",
                result: .success, riskLevel: .low,
                details: .object([
                    ("direction", .string("inbound")), ("remote", .string(remote)), ("port", .integer(port)),
                ])))
    }

    static func exec(_ agent: String, _ program: String, argv: [String] = []) -> HostEvent {
        HostEvent(
            kind: .processes, time: time,
            draft: AuditDraft(
                eventType: .process, agent: agent, action: "process.exec", target: program, result: .success,
                riskLevel: .low,
                details: .object([("exe", .string(program)), ("argv", .array(argv.map { .string($0) }))])))
    }

    @Test func onlyTheFirstTwentyThousandEventsOfAFloodAreLookedAt() {
        let flood = (0..<30_000).map { Self.inbound(from: "198.51.100.\($0 % 200)", port: 22) }
        let features = WindowFeatureExtractor.features(of: flood)
        #expect(features[.events] == 20_000)
        #expect(features[.netSSHIn] == 20_000)
    }

    @Test func distinctCountsSaturateAtTheBound() {
        let scan = (0..<3000).map { Self.inbound(from: "198.51.\($0 / 250).\($0 % 250)", port: Int64($0 + 1)) }
        let features = WindowFeatureExtractor.features(of: scan)
        #expect(features[.netDistinctRemotesIn] == 1024)
        #expect(features[.netDistinctPortsIn] == 1024)
        #expect(features[.netMaxConnectionsPerPeerIn] == 1)
    }

    @Test func namesAreToldApartByTheirBytesNotByUnicodeEquivalence() {
        // U+212A KELVIN SIGN is canonically equivalent to K: Swift's String calls them equal, features.py does not.
        let events = [Self.exec("K", "/usr/bin/a"), Self.exec("\u{212A}", "/usr/bin/b")]
        #expect(WindowFeatureExtractor.features(of: events)[.distinctAgents] == 2)
    }

    @Test func aMinerIsRecognisedInItsArgumentsWhateverTheCase() {
        let events = [
            Self.exec("task", "/tmp/.cache/kworker", argv: ["kworker", "-o", "STRATUM+TCP://pool:3333"]),
            Self.exec("task", "/usr/bin/python3", argv: ["python3", "xmrig-notes.txt"]),
            // Past the 16th word nothing is searched.
            Self.exec("task", "/usr/bin/env", argv: Array(repeating: "x", count: 15) + ["xmrig"]),
        ]
        let features = WindowFeatureExtractor.features(of: events)
        #expect(features[.procMinerLike] == 2)
        #expect(features[.procTemporaryLocation] == 1)
    }
}
