import Audit
import Capabilities
import Policy
import Testing

@testable import Detection

/// ctnetlink messages built byte by byte as the kernel sends them, and the per-flow, per-minute aggregation.
@Suite("Connections: conntrack events read exactly, one ledger entry per flow and minute")
struct ConntrackParserTests {
    static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        NetlinkMessage.attribute(type, payload)
    }

    /// A CT_NEW (or CT_DELETE) message for TCP 10.0.0.5:40000 → 93.184.216.34:443.
    static func message(
        new: Bool = true, source: [UInt8] = [10, 0, 0, 5], destination: [UInt8] = [93, 184, 216, 34],
        sourceType: UInt16 = 1, destinationType: UInt16 = 2, counters: Bool = false
    ) -> [UInt8] {
        let ip = attribute(sourceType, source) + attribute(destinationType, destination)
        let proto = attribute(1, [6]) + attribute(2, [0x9C, 0x40]) + attribute(3, [0x01, 0xBB])
        var attributes = attribute(1 | 0x8000, attribute(1 | 0x8000, ip) + attribute(2 | 0x8000, proto))
        attributes += attribute(12, [0, 0, 0x30, 0x39])
        if counters {
            let eight: (UInt64) -> [UInt8] = { value in
                (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
            }
            attributes += attribute(9 | 0x8000, attribute(1, eight(3)) + attribute(2, eight(180)))
            attributes += attribute(10 | 0x8000, attribute(1, eight(2)) + attribute(2, eight(1200)))
        }
        return NetlinkMessage.build(
            type: new ? ConntrackParser.newType : ConntrackParser.deleteType, flags: 0, sequence: 0, family: 2,
            resourceID: 0, attributes: attributes)
    }

    func parse(_ bytes: [UInt8]) -> ConntrackParser.Result {
        bytes.withUnsafeBytes { ConntrackParser.parse($0) }
    }

    @Test("a new connection's tuple, id and protocol; a destroy with both directions' counters summed")
    func newAndDestroy() throws {
        let parsed = parse(Self.message() + Self.message(new: false, counters: true))
        #expect(parsed.malformed == 0)
        let (new, destroy) = (parsed.events[0], parsed.events[1])
        #expect(new.kind == .new && new.protocolName == "tcp" && new.id == 12345)
        #expect(new.source == IPAddress("10.0.0.5") && new.destination == IPAddress("93.184.216.34"))
        #expect(new.sourcePort == 40000 && new.destinationPort == 443 && new.counters == nil)
        #expect(destroy.kind == .destroy && destroy.counters == .init(packets: 5, bytes: 1380))
    }

    @Test("a message cut short, an address of the wrong length or mixed families is counted, never read past")
    func malformed() {
        let whole = Self.message()
        for cut in [whole.count - 1, 24, 17] {
            let parsed = parse(Array(whole.prefix(cut)))
            #expect(parsed.events.isEmpty, "cut at \(cut)")
        }
        #expect(parse(Self.message(source: [10, 0, 0])).malformed == 1)
        #expect(parse(Self.message(destination: Array(repeating: 1, count: 16), destinationType: 4)).malformed == 1)
        let other = NetlinkMessage.build(type: 4 << 8, flags: 0, sequence: 0, family: 2, resourceID: 0, attributes: [])
        #expect(parse(other).events.isEmpty && parse(other).malformed == 0, "other subsystems are not ours")
    }

    static func connection(_ port: UInt16, kind: ConntrackEvent.Kind = .new, source: String = "10.0.0.5")
        -> ObservedConnection
    {
        ObservedConnection(
            event: ConntrackEvent(
                kind: kind, ipProtocol: 6, source: IPAddress(source)!, destination: IPAddress("93.184.216.34")!,
                sourcePort: port, destinationPort: 443, id: UInt32(port)),
            direction: .outbound, agent: "aios-agent-network", owner: SocketOwner(uid: 1001, inode: 7, cgroupID: 99))
    }

    @Test("a thousand connections to one service in a minute are one entry; the next minute starts another")
    func aggregatesPerFlowAndMinute() throws {
        var aggregator = ConnectionAggregator()
        let start = Timestamp.seconds(1_800_000_000 - 1_800_000_000 % 60)
        var drafts: [AuditDraft] = []
        for port in 0..<1000 { drafts += aggregator.add(Self.connection(UInt16(40000 + port)), at: start) }
        for port in 0..<400 {
            drafts += aggregator.add(
                Self.connection(UInt16(40000 + port), kind: .destroy),
                at: .seconds(start.millisecondsSinceEpoch / 1000 + 30))
        }
        #expect(drafts.isEmpty, "nothing before the minute ends")
        drafts = aggregator.add(Self.connection(50000), at: .seconds(start.millisecondsSinceEpoch / 1000 + 61))
        let entry = try #require(drafts.first)
        #expect(drafts.count == 1)
        #expect(entry.eventType == .networkConnection && entry.action == "net.connect")
        #expect(entry.agent == "aios-agent-network" && entry.target == "tcp 93.184.216.34:443")
        #expect(entry.details["opened"] == .integer(1000) && entry.details["closed"] == .integer(400))
        #expect(entry.details["uid"] == .integer(1001) && entry.details["cgroup_id"] == .integer(99))
        #expect(aggregator.close(before: nil).count == 1, "the minute in progress at shutdown")
    }

    @Test("past the flow limit, connections are counted into one summary for the minute")
    func overflow() {
        var aggregator = ConnectionAggregator()
        let now = Timestamp.seconds(1_800_000_000)
        for index in 0..<(ConnectionAggregator.maximumFlows + 50) {
            let address = "10.\(index / 65536 % 256).\(index / 256 % 256).\(index % 256)"
            var connection = Self.connection(1)
            connection = ObservedConnection(
                event: ConntrackEvent(
                    kind: .new, ipProtocol: 6, source: IPAddress("10.0.0.5")!, destination: IPAddress(address)!,
                    sourcePort: 1, destinationPort: 443),
                direction: .outbound, agent: nil, owner: nil)
            _ = aggregator.add(connection, at: now)
        }
        let drafts = aggregator.close(before: nil)
        #expect(drafts.count == ConnectionAggregator.maximumFlows + 1)
        #expect(drafts.last?.action == "net.flows_overflow" && drafts.last?.details["connections"] == .integer(50))
    }
}
