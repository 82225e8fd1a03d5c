import Capabilities

/// Makes entry ids `audit-YYYYMMDD-HHMMSS-<6 hex>`: within one second the six hex digits count up from a random
/// start, so ids are unique (up to 16 million entries a second) without being guessable in advance.
struct EntryIdentifiers {
    private var second: Int64 = -1
    private var counter: UInt32 = 0
    private var buffer: [UInt8] = []

    mutating func next(at timestamp: Timestamp) -> String {
        let second = timestamp.millisecondsSinceEpoch / 1000
        if second != self.second {
            self.second = second
            counter = UInt32.random(in: 0..<0x100_0000)
        } else {
            counter = (counter + 1) & 0xFF_FFFF
        }
        buffer.removeAll(keepingCapacity: true)
        timestamp.writeRFC3339(to: &buffer)  // 2024-01-01T12:34:56.789Z
        let time = buffer
        buffer.removeAll(keepingCapacity: true)
        buffer += "audit-".utf8
        for index in [0, 1, 2, 3, 5, 6, 8, 9] { buffer.append(time[index]) }
        buffer.append(UInt8(ascii: "-"))
        for index in [11, 12, 14, 15, 17, 18] { buffer.append(time[index]) }
        buffer.append(UInt8(ascii: "-"))
        let hex = Array("0123456789abcdef".utf8)
        for shift in stride(from: 20, through: 0, by: -4) { buffer.append(hex[Int(counter >> UInt32(shift) & 0xF)]) }
        return String(decoding: buffer, as: UTF8.self)
    }
}
