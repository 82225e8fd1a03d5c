import Policy
import Testing

@testable import Firewall

/// Builds wire-format DNS messages for the tests (and names with compression pointers).
struct DNSBuilder {
    var bytes: [UInt8] = []

    static func name(_ text: String) -> [UInt8] {
        text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    static func header(id: UInt16 = 0x1234, response: Bool, counts: [UInt16]) -> [UInt8] {
        var header: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), response ? 0x81 : 0x01, response ? 0x80 : 0x00]
        for count in counts { header += [UInt8(count >> 8), UInt8(count & 0xFF)] }
        return header
    }

    static func record(owner: [UInt8], type: UInt16, ttl: UInt32, data: [UInt8]) -> [UInt8] {
        owner + [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
            + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: ttl >> $0) }
            + [UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
    }

    static func query(_ name: String, type: UInt16 = 1) -> [UInt8] {
        header(response: false, counts: [1, 0, 0, 0]) + Self.name(name) + [0, UInt8(type), 0, 1]
    }

    /// `name` CNAME `target`, `target` A each address: the shape CDNs answer with, using compression pointers.
    static func cnameAnswer(_ name: String, target: String, addresses: [[UInt8]], ttl: UInt32 = 60) -> [UInt8] {
        var message = header(response: true, counts: [1, UInt16(1 + addresses.count), 0, 0])
        message += Self.name(name) + [0, 1, 0, 1]
        let targetOffset = message.count + 12
        message += record(owner: [0xC0, 12], type: 5, ttl: ttl, data: Self.name(target))
        for address in addresses {
            message += record(owner: [0xC0, UInt8(targetOffset)], type: 1, ttl: ttl, data: address)
        }
        return message
    }
}

@Suite struct DNSMessageTests {
    @Test func followsCNAMEChainsThroughCompressedNames() throws {
        let bytes = DNSBuilder.cnameAnswer(
            "API.Example.Test", target: "edge.cdn.test", addresses: [[192, 0, 2, 1], [192, 0, 2, 2]], ttl: 30)
        let message = try DNSMessage.parse(bytes)
        #expect(message.isResponse && message.id == 0x1234 && message.responseCode == 0)
        #expect(message.question.name == "api.example.test")
        let found = message.addresses().map { "\($0.address) \($0.ttl)" }
        #expect(found == ["192.0.2.1 30", "192.0.2.2 30"])
    }

    @Test func ignoresAddressesNotOnTheChain() throws {
        var bytes = DNSBuilder.header(response: true, counts: [1, 1, 0, 0])
        bytes += DNSBuilder.name("api.example.test") + [0, 1, 0, 1]
        bytes += DNSBuilder.record(owner: DNSBuilder.name("evil.test"), type: 1, ttl: 60, data: [203, 0, 113, 9])
        #expect(try DNSMessage.parse(bytes).addresses().isEmpty)
    }

    @Test func readsAAAAAndCapsTheTTL() throws {
        var bytes = DNSBuilder.header(response: true, counts: [1, 1, 0, 0])
        bytes += DNSBuilder.name("v6.test") + [0, 28, 0, 1]
        bytes += DNSBuilder.record(
            owner: [0xC0, 12], type: 28, ttl: 0x7FFF_FFFF,
            data: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1])
        let found = try DNSMessage.parse(bytes).addresses()
        #expect(found.map(\.address.description) == ["2001:db8::1"])
        #expect(found.map(\.ttl) == [86_400])
    }

    @Test func labelsOutsideLDHCanNeverMatchAPattern() throws {
        var bytes = DNSBuilder.header(response: false, counts: [1, 0, 0, 0])
        bytes += [3, 0x61, 0x2E, 0x62] + DNSBuilder.name("example.com") + [0, 1, 0, 1]
        let name = try DNSMessage.parse(bytes).question.name
        #expect(name == "a\\046b.example.com")
        #expect(!(try HostPattern(parsing: "*.example.com")).matches(name) || name.contains("\\"))
    }

    @Test(
        arguments: [
            (
                "a pointer to itself",
                DNSBuilder.header(response: false, counts: [1, 0, 0, 0]) + [0xC0, 12, 0, 1, 0, 1],
                "does not point backwards"
            ),
            (
                "a forward pointer",
                DNSBuilder.header(response: false, counts: [1, 0, 0, 0]) + [0xC0, 20, 0, 1, 0, 1, 0, 0, 0],
                "does not point backwards"
            ),
            ("two questions", DNSBuilder.header(response: false, counts: [2, 0, 0, 0]), "exactly one question"),
            ("a short header", [0, 1, 2], "a message is 12 to 65535 bytes"),
            (
                "a cut question", DNSBuilder.header(response: false, counts: [1, 0, 0, 0]) + [3, 0x61],
                "a name longer than 255 bytes or past the end"
            ),
            ("trailing bytes", DNSBuilder.query("a.test") + [0], "1 bytes after the last record"),
            (
                "an extended label type", DNSBuilder.header(response: false, counts: [1, 0, 0, 0]) + [0x40, 0],
                "label type 0x40"
            ),
            (
                "an A record of 5 bytes",
                DNSBuilder.header(response: true, counts: [1, 1, 0, 0]) + DNSBuilder.name("a.test") + [0, 1, 0, 1]
                    + DNSBuilder.record(owner: [0xC0, 12], type: 1, ttl: 1, data: [1, 2, 3, 4, 5]),
                "an A record of 5 bytes"
            ),
            (
                "a record past the end",
                DNSBuilder.header(response: true, counts: [1, 2, 0, 0]) + DNSBuilder.name("a.test") + [0, 1, 0, 1]
                    + DNSBuilder.record(owner: [0xC0, 12], type: 1, ttl: 1, data: [1, 2, 3, 4]),
                "a name runs off the end"
            ),
        ] as [(String, [UInt8], String)])
    func refusesMalformedMessages(what: String, bytes: [UInt8], reason: String) {
        do {
            _ = try DNSMessage.parse(bytes)
            Issue.record("accepted \(what)")
        } catch {
            #expect(error.reason.contains(reason), "\(what): \(error)")
        }
    }

    @Test func errorRepliesEchoTheQuestion() throws {
        let query = DNSBuilder.query("nope.test")
        let parsed = try DNSMessage.parse(query, questionOnly: true)
        let reply = DNSReply.error(to: query, questionEnd: parsed.questionEnd, code: .refused)
        let message = try DNSMessage.parse(reply)
        #expect(message.isResponse && message.responseCode == 5 && message.question == parsed.question)
    }
}
