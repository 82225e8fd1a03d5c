/// An IPv4 or IPv6 address as one 128-bit value. IPv4 is held in its IPv4-mapped form (`::ffff:a.b.c.d`, RFC 4291
/// 2.5.5.2), so one type, one hash and one comparison serve both families, and an IPv4 peer seen on a dual-stack
/// socket is the same source as the one seen on an IPv4 socket.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first 64 bits, network order as a number.
    public let high: UInt64
    /// The last 64 bits.
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 32 bits (`0x0A000001` is 10.0.0.1).
    public init(ipv4: UInt32) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(ipv4))
    }

    /// Sixteen bytes in network order (as in an IPv6 header or `in6_addr`).
    public init<Bytes: Collection>(ipv6Bytes bytes: Bytes) where Bytes.Element == UInt8 {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    public var isIPv6: Bool { !isIPv4 }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        let all = (0..<16).map { index -> UInt8 in
            UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> UInt64(56 - 8 * (index % 8)))
        }
        return isIPv4 ? Array(all[12...]) : all
    }

    /// The 32 bits of an IPv4 address; nil for IPv6.
    public var ipv4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// Dotted quad for IPv4; RFC 5952 for IPv6 (lower case, no leading zeros, the first longest run of two or more
    /// zero groups as `::`) — the form sshd, `ip` and Python's `ipaddress` print.
    public var description: String {
        var out: [UInt8] = []
        out.reserveCapacity(39)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``description`` as ASCII.
    public func write(to out: inout [UInt8]) {
        if let v4 = ipv4 {
            for shift in stride(from: 24, through: 0, by: -8) {
                appendDecimal(UInt8(truncatingIfNeeded: v4 >> UInt32(shift)), to: &out)
                if shift > 0 { out.append(UInt8(ascii: ".")) }
            }
            return
        }
        let groups = (0..<8).map { index -> UInt16 in
            let half = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: half >> UInt64(48 - 16 * (index % 4)))
        }
        let (runStart, runLength) = longestZeroRun(groups)
        var index = 0
        while index < 8 {
            if index == runStart && runLength >= 2 {
                out += index == 0 ? [UInt8(ascii: ":"), UInt8(ascii: ":")] : [UInt8(ascii: ":")]
                index += runLength
                continue
            }
            appendHex(groups[index], to: &out)
            if index < 7 { out.append(UInt8(ascii: ":")) }
            index += 1
        }
    }
}

private func longestZeroRun(_ groups: [UInt16]) -> (start: Int, length: Int) {
    var best = (start: -1, length: 0)
    var index = 0
    while index < groups.count {
        guard groups[index] == 0 else {
            index += 1
            continue
        }
        let start = index
        while index < groups.count && groups[index] == 0 { index += 1 }
        if index - start > best.length { best = (start, index - start) }
    }
    return best
}

private func appendDecimal(_ value: UInt8, to out: inout [UInt8]) {
    if value >= 100 { out.append(UInt8(ascii: "0") + value / 100) }
    if value >= 10 { out.append(UInt8(ascii: "0") + value / 10 % 10) }
    out.append(UInt8(ascii: "0") + value % 10)
}

private func appendHex(_ value: UInt16, to out: inout [UInt8]) {
    let digits = Array("0123456789abcdef".utf8)
    var started = false
    for shift in stride(from: 12, through: 0, by: -4) {
        let nibble = Int(value >> UInt16(shift) & 0xF)
        if nibble != 0 || started || shift == 0 {
            out.append(digits[nibble])
            started = true
        }
    }
}
