import Capabilities

/// Makes entry ids `audit-YYYYMMDD-HHMMSS-<6 hex>`: within one second the six hex digits count up from a random
/// start, so ids are unique (up to 16 million entries a second) without being guessable in advance.
struct EntryIdentifiers {
    private var second: Int64 = -1
    private var counter: UInt32 = 0

    mutating func next(at timestamp: Timestamp) -> String {
        let second = timestamp.millisecondsSinceEpoch / 1000
        if second != self.second {
            self.second = second
            counter = UInt32.random(in: 0..<0x100_0000)
        } else {
            counter = (counter + 1) & 0xFF_FFFF
        }
        let text = timestamp.rfc3339  // 2024-01-01T12:34:56.789Z
        let date = text.prefix(10).replacingDashes
        let time = text.dropFirst(11).prefix(8).filter { $0 != ":" }
        let hex = String(counter, radix: 16)
        return "audit-\(date)-\(time)-" + String(repeating: "0", count: 6 - hex.count) + hex
    }
}

extension Substring {
    fileprivate var replacingDashes: String { filter { $0 != "-" } }
}
