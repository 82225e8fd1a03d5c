import Policy

#if canImport(Glibc)
import Glibc
#endif

/// One log line as bytes, borrowed from the caller's buffer: the parser's view, so no `String` is built per line.
/// Valid only while that buffer is.
struct ByteLine {
    let bytes: UnsafeBufferPointer<UInt8>

    var count: Int { bytes.count }

    subscript(index: Int) -> UInt8 { bytes[index] }

    /// Whether `literal` starts at `index`.
    func matches(_ literal: StaticString, at index: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index >= 0, index + length <= bytes.count, let base = bytes.baseAddress else { return false }
        return memcmp(base + index, literal.utf8Start, length) == 0
    }

    /// Whether the bytes in `start..<end` end with `literal`.
    func matches(_ literal: StaticString, endingAt end: Int) -> Bool {
        matches(literal, at: end - literal.utf8CodeUnitCount)
    }

    /// The first index of `literal` in `start..<end`.
    func firstIndex(of literal: StaticString, from start: Int, to end: Int? = nil) -> Int? {
        let limit = (end ?? bytes.count) - literal.utf8CodeUnitCount
        guard start <= limit else { return nil }
        let first = literal.utf8Start.pointee
        var index = start
        while index <= limit {
            if bytes[index] == first && matches(literal, at: index) { return index }
            index += 1
        }
        return nil
    }

    /// The last index of `literal` that ends at or before `end`.
    func lastIndex(of literal: StaticString, before end: Int, notBefore start: Int = 0) -> Int? {
        var index = end - literal.utf8CodeUnitCount
        while index >= start {
            if matches(literal, at: index) { return index }
            index -= 1
        }
        return nil
    }

    /// The index of the first space at or after `start`, or `count`.
    func endOfToken(from start: Int) -> Int {
        var index = start
        while index < bytes.count && bytes[index] != UInt8(ascii: " ") { index += 1 }
        return index
    }

    /// A decimal number in `start..<end` that fits `limit`.
    func number(_ start: Int, _ end: Int, limit: Int64) -> Int64? {
        guard start >= 0, start < end, end <= bytes.count, end - start <= 19 else { return nil }
        var value: Int64 = 0
        for index in start..<end {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            guard value <= limit else { return nil }
        }
        return value
    }

    /// The bytes in `start..<end` as text (invalid UTF-8 replaced).
    func text(_ start: Int, _ end: Int) -> String {
        guard start >= 0, start < end, end <= bytes.count else { return "" }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    func address(_ start: Int, _ end: Int) -> IPAddress? {
        guard start >= 0, start < end, end <= bytes.count, let base = bytes.baseAddress else { return nil }
        return IPAddress(ascii: UnsafeBufferPointer(start: base + start, count: end - start))
    }
}
