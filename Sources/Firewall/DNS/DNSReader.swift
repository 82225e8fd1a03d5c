import Policy

/// A cursor over a DNS message that refuses to read past the end, and reads compressed names safely: every
/// pointer must go strictly backwards (so there are no loops) and a name is at most 255 bytes.
struct DNSReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func u8() throws(DNSParseError) -> UInt8 {
        guard offset < bytes.count else { throw DNSParseError(offset: offset, "the message ends too early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DNSParseError) -> UInt16 { UInt16(try u8()) << 8 | UInt16(try u8()) }

    mutating func u32() throws(DNSParseError) -> UInt32 { UInt32(try u16()) << 16 | UInt32(try u16()) }

    mutating func take(_ count: Int) throws(DNSParseError) -> ArraySlice<UInt8> {
        guard count <= bytes.count - offset else {
            throw DNSParseError(offset: offset, "needs \(count) bytes, \(bytes.count - offset) left")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// A name at the cursor; the cursor ends after its first pointer or its final zero label.
    mutating func name() throws(DNSParseError) -> String {
        var labels: [String] = []
        var wireLength = 1
        var position = offset
        var resume: Int? = nil
        // A pointer must point before the start of the part that contains it.
        var partStart = offset
        while true {
            guard position < bytes.count else { throw DNSParseError(offset: position, "a name runs off the end") }
            let length = Int(bytes[position])
            switch length & 0xC0 {
            case 0xC0:
                guard position + 1 < bytes.count else { throw DNSParseError(offset: position, "a cut pointer") }
                let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < partStart else {
                    throw DNSParseError(offset: position, "a compression pointer that does not point backwards")
                }
                if resume == nil { resume = position + 2 }
                position = target
                partStart = target
            case 0x00:
                if length == 0 {
                    offset = resume ?? position + 1
                    return labels.joined(separator: ".")
                }
                wireLength += length + 1
                guard wireLength <= 255, position + length < bytes.count else {
                    throw DNSParseError(offset: position, "a name longer than 255 bytes or past the end")
                }
                labels.append(Self.labelText(bytes[(position + 1)...(position + length)]))
                position += length + 1
            default:
                throw DNSParseError(offset: position, "label type 0x\(String(length & 0xC0, radix: 16)) is not allowed")
            }
        }
    }

    /// One resource record; the record when it is an A, AAAA or CNAME of class IN, else nil (after checking it).
    mutating func record() throws(DNSParseError) -> DNSRecord? {
        let owner = try name()
        let type = try u16()
        let recordClass = try u16()
        let rawTTL = try u32()
        let length = Int(try u16())
        let start = offset
        let data = try take(length)
        let ttl = rawTTL & 0x8000_0000 != 0 ? 0 : min(rawTTL, 86_400)
        guard recordClass == 1 else { return nil }
        switch type {
        case 1, 28:
            guard length == (type == 1 ? 4 : 16) else {
                throw DNSParseError(offset: start, "an \(type == 1 ? "A" : "AAAA") record of \(length) bytes")
            }
            let address =
                type == 1 ? IPAddress(ipv4: data.reduce(0) { $0 << 8 | UInt32($1) }) : IPAddress(ipv6Bytes: data)
            return DNSRecord(name: owner, ttl: ttl, data: .address(address))
        case 5:
            var inner = self
            inner.offset = start
            let target = try inner.name()
            guard inner.offset == start + length else {
                throw DNSParseError(offset: start, "a CNAME whose name does not fill its data")
            }
            return DNSRecord(name: owner, ttl: ttl, data: .cname(target))
        default:
            return nil
        }
    }

    static func labelText(_ label: ArraySlice<UInt8>) -> String {
        var text = ""
        for byte in label {
            let lower = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
            let plain = (0x61...0x7A).contains(lower) || (0x30...0x39).contains(lower) || lower == 0x2D || lower == 0x5F
            if plain {
                text.unicodeScalars.append(Unicode.Scalar(lower))
            } else {
                text += "\\" + String(repeating: "0", count: lower < 10 ? 2 : lower < 100 ? 1 : 0) + String(lower)
            }
        }
        return text
    }
}
