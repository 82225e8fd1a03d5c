/// Splits standard input into MCP's stdio messages: one JSON-RPC message per line. A line longer than
/// ``maximumBytes`` is never held: it is reported once and its bytes are dropped up to the next newline, so the
/// memory an agent can make the server hold is bounded by the limit, whatever it sends.
public struct LineFramer: Sendable {
    public enum Frame: Equatable, Sendable {
        case message([UInt8])
        /// A line over the limit, dropped.
        case oversized
    }

    public let maximumBytes: Int
    private var buffer: [UInt8] = []
    /// Where the next line starts in `buffer`.
    private var head = 0
    /// Bytes before this index (from `head`) hold no newline: each byte is scanned once.
    private var scanned = 0
    /// Inside an oversized line: drop everything up to the next newline.
    private var discarding = false

    /// The bytes held for the line in progress (bounded by the limit and one `append`).
    var heldBytes: Int { buffer.count - head }

    public init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
    }

    /// Bytes read from the input.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if head > 0 && head * 2 >= buffer.count {
            buffer.removeFirst(head)
            scanned -= head
            head = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete line (blank lines skipped), an oversized report, or nil: more input is needed.
    public mutating func next() -> Frame? {
        while let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer[head..<newline]
            head = newline + 1
            scanned = head
            if discarding {
                discarding = false
                continue
            }
            if line.count > maximumBytes { return .oversized }
            if line.allSatisfy(Self.isWhitespace) { continue }
            return .message(Array(line))
        }
        scanned = buffer.count
        if discarding {
            drop()
        } else if buffer.count - head > maximumBytes {
            drop()
            discarding = true
            return .oversized
        }
        return nil
    }

    /// The end of input: a last line without its newline, if any.
    public mutating func finish() -> Frame? {
        if let frame = next() { return frame }
        defer { drop() }
        let rest = buffer[head...]
        guard !discarding, !rest.allSatisfy(Self.isWhitespace) else { return nil }
        return .message(Array(rest))
    }

    private mutating func drop() {
        buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        head = 0
        scanned = 0
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}
