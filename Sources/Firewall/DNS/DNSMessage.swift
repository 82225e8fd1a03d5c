import Policy

/// A DNS message from the network, parsed strictly (RFC 1035): the header, exactly one question, and every
/// resource record of the three sections read to the last byte — anything malformed, truncated, trailing or
/// looping is an error, never a partial answer. Only A, AAAA and CNAME data are kept; other records are checked
/// for shape and skipped. This is untrusted input (agents send queries, the network sends answers).
public struct DNSMessage: Sendable, Equatable {
    public let id: UInt16
    public let isResponse: Bool
    public let opcode: UInt8
    public let isTruncated: Bool
    public let responseCode: UInt8
    public let question: DNSQuestion
    /// Where the question ends (the header and question are what an error reply echoes).
    public let questionEnd: Int
    /// The answer section's A, AAAA and CNAME records, in order.
    public let answers: [DNSRecord]

    /// The largest message (TCP's two-byte length).
    public static let maximumSize = 65_535
    /// The longest CNAME chain followed.
    static let maximumChain = 16

    /// Parses a whole message. `questionOnly` stops after the question (a client's query may carry EDNS records
    /// the forwarder passes on untouched).
    public static func parse(_ bytes: [UInt8], questionOnly: Bool = false) throws(DNSParseError) -> DNSMessage {
        var reader = DNSReader(bytes)
        guard bytes.count >= 12, bytes.count <= maximumSize else {
            throw DNSParseError(offset: 0, "a message is 12 to 65535 bytes, not \(bytes.count)")
        }
        let id = try reader.u16()
        let flags = try reader.u16()
        let counts = [try reader.u16(), try reader.u16(), try reader.u16(), try reader.u16()]
        guard counts[0] == 1 else { throw DNSParseError(offset: 4, "exactly one question, not \(counts[0])") }
        let name = try reader.name()
        let question = DNSQuestion(name: name, type: try reader.u16(), recordClass: try reader.u16())
        let questionEnd = reader.offset
        var answers: [DNSRecord] = []
        if !questionOnly {
            for section in 1...3 {
                for _ in 0..<counts[section] {
                    let record = try reader.record()
                    if section == 1, let record { answers.append(record) }
                }
            }
            guard reader.offset == bytes.count else {
                throw DNSParseError(offset: reader.offset, "\(bytes.count - reader.offset) bytes after the last record")
            }
        }
        return DNSMessage(
            id: id, isResponse: flags & 0x8000 != 0, opcode: UInt8((flags >> 11) & 0xF),
            isTruncated: flags & 0x0200 != 0, responseCode: UInt8(flags & 0xF), question: question,
            questionEnd: questionEnd,
            answers: answers)
    }

    /// A query for `name` (dot-separated labels of 1 to 63 bytes, at most 253 bytes in all) of record `type`
    /// (1 = A, 28 = AAAA), class IN, recursion desired; nil for a name that cannot be written.
    public static func query(id: UInt16, name: String, type: UInt16) -> [UInt8]? {
        guard name.utf8.count <= 253 else { return nil }
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count) else { return nil }
            bytes += [UInt8(label.utf8.count)] + Array(label.utf8)
        }
        return bytes + [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
    }

    /// The addresses this answer gives for its question's name: A and AAAA records owned by the name or by a name
    /// reached from it through the answer's CNAME records (at most 16 links), each with its TTL.
    public func addresses() -> [(address: IPAddress, ttl: UInt32)] {
        var names: Set<String> = [question.name]
        for _ in 0..<Self.maximumChain {
            var grew = false
            for record in answers {
                if case .cname(let target) = record.data, names.contains(record.name), names.insert(target).inserted {
                    grew = true
                }
            }
            if !grew { break }
        }
        return answers.compactMap { record in
            switch record.data {
            case .address(let address) where names.contains(record.name): return (address, record.ttl)
            default: return nil
            }
        }
    }
}

/// The one question of a message. `name` is lower case without the final dot; bytes outside `a-z 0-9 - _` are
/// written `\DDD`, so such a name can never match a ``HostPattern``.
public struct DNSQuestion: Hashable, Sendable {
    public let name: String
    public let type: UInt16
    public let recordClass: UInt16
}

/// A record of the answer section that the forwarder uses.
public struct DNSRecord: Hashable, Sendable {
    public enum Data: Hashable, Sendable {
        case address(IPAddress)
        case cname(String)
    }

    public let name: String
    /// Seconds; RFC 2181 §8: a TTL with the top bit set counts as 0. Capped at one day.
    public let ttl: UInt32
    public let data: Data
}

/// Why a message was refused, and at which byte.
public struct DNSParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    init(offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "byte \(offset): \(reason)" }
}
