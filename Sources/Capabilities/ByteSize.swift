/// A size in bytes as policies and the command line write it: `512`, `64k`, `256m`, `2g` (binary units: k = 1024).
public struct ByteSize: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let bytes: UInt64

    public init(bytes: UInt64) { self.bytes = bytes }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    /// Parses `<digits>[k|m|g|t]` (case-insensitive, an optional trailing `b` or `ib`); refuses zero and overflow.
    public init(parsing text: String) throws(ByteSizeError) {
        let lowered = text.lowercased()
        var digits = Substring(lowered)
        for suffix in ["ib", "b"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
            digits = digits.dropLast(suffix.count)
            break
        }
        var shift: UInt64 = 0
        if let unit = digits.last, let power = "kmgt".firstIndex(of: unit) {
            shift = UInt64("kmgt".distance(from: "kmgt".startIndex, to: power) + 1) * 10
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = UInt64(digits) else {
            throw ByteSizeError(input: text, reason: "expected a number with an optional unit k, m, g or t")
        }
        let (value, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow, value > 0 else {
            throw ByteSizeError(input: text, reason: overflow ? "too large" : "must be more than zero")
        }
        bytes = value
    }

    public var description: String {
        for (unit, shift) in [("g", 30), ("m", 20), ("k", 10)] as [(String, UInt64)]
        where bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return String(bytes)
    }
}

public struct ByteSizeError: Error, Hashable, Sendable, CustomStringConvertible {
    public let input: String
    public let reason: String
    public var description: String { "\(reason) in size '\(printable(input))'" }
}
