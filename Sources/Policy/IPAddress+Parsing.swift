extension IPAddress {
    /// Parses `192.0.2.1` or an IPv6 address in any RFC 4291 text form (`2001:db8::1`, `::ffff:192.0.2.1`). Zone
    /// ids (`%eth0`) and IPv4 octets with leading zeros (ambiguous: octal to some parsers) are refused.
    public init?(_ text: String) {
        var copy = text
        guard let address = copy.withUTF8({ IPAddress(ascii: $0) }) else { return nil }
        self = address
    }

    /// ``init(_:)`` on ASCII bytes, without building a string: the log parser's hot path.
    public init?(ascii text: UnsafeBufferPointer<UInt8>) {
        guard !text.isEmpty, text.count <= 45 else { return nil }
        if text.contains(UInt8(ascii: ":")) {
            guard let (high, low) = parseIPv6(text) else { return nil }
            self.init(high: high, low: low)
        } else {
            guard let v4 = parseIPv4(text, from: 0, to: text.count) else { return nil }
            self.init(ipv4: v4)
        }
    }
}

func parseIPv4(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> UInt32? {
    var value: UInt32 = 0
    var octet: UInt32 = 0
    var digits = 0
    var dots = 0
    for index in start..<end {
        let byte = text[index]
        if byte == UInt8(ascii: ".") {
            guard digits > 0, dots < 3 else { return nil }
            value = value << 8 | octet
            (octet, digits, dots) = (0, 0, dots + 1)
        } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            guard digits < 3, !(digits == 1 && octet == 0) else { return nil }
            octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
            guard octet <= 255 else { return nil }
            digits += 1
        } else {
            return nil
        }
    }
    guard dots == 3, digits > 0 else { return nil }
    return value << 8 | octet
}

private func hexValue(_ byte: UInt8) -> UInt16? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
    default: nil
    }
}

/// Groups before `::` go to `head`, after it to `tail`; the zeros in between are implied.
private func parseIPv6(_ text: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
    var head = SIMD8<UInt16>()
    var tail = SIMD8<UInt16>()
    var headCount = 0
    var tailCount = 0
    var compressed = false
    let end = text.count
    var index = 0
    func append(_ group: UInt16) -> Bool {
        guard headCount + tailCount < 8 else { return false }
        if compressed {
            tail[tailCount] = group
            tailCount += 1
        } else {
            head[headCount] = group
            headCount += 1
        }
        return true
    }
    if text[0] == UInt8(ascii: ":") {
        guard end >= 2, text[1] == UInt8(ascii: ":") else { return nil }
        compressed = true
        index = 2
    }
    while index < end {
        var scan = index
        var group: UInt16 = 0
        while scan < end, let digit = hexValue(text[scan]), scan - index < 4 {
            group = group << 4 | digit
            scan += 1
        }
        if scan < end, text[scan] == UInt8(ascii: ".") {
            guard let v4 = parseIPv4(text, from: index, to: end),
                append(UInt16(truncatingIfNeeded: v4 >> 16)), append(UInt16(truncatingIfNeeded: v4))
            else { return nil }
            index = end
            break
        }
        guard scan > index, append(group) else { return nil }
        index = scan
        if index == end { break }
        guard text[index] == UInt8(ascii: ":"), index + 1 < end else { return nil }
        index += 1
        if text[index] == UInt8(ascii: ":") {
            guard !compressed else { return nil }
            compressed = true
            index += 1
        }
    }
    let total = headCount + tailCount
    guard compressed ? total <= 7 : total == 8 else { return nil }
    var groups = head
    for offset in 0..<tailCount { groups[8 - tailCount + offset] = tail[offset] }
    var high: UInt64 = 0
    var low: UInt64 = 0
    for position in 0..<8 {
        if position < 4 {
            high = high << 16 | UInt64(groups[position])
        } else {
            low = low << 16 | UInt64(groups[position])
        }
    }
    return (high, low)
}
