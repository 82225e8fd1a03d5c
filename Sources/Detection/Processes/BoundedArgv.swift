/// A process's argv as `/proc/PID/cmdline` gave it, bounded and made safe to print: at most
/// ``maximumBytes`` are read (a larger argv is cut there and marked ``truncated``), at most ``maximumArguments``
/// kept, each cut at ``maximumArgumentBytes``; every byte that could mislead a reader of the ledger or a terminal
/// is escaped — control characters (`\n`, `\t`, `\r`, `\xNN`), invalid UTF-8 (`\xNN`), C1 controls and the
/// bidirectional overrides (`\u{202E}`), and the backslash itself (`\\`), so the text maps back to the bytes.
public struct BoundedArgv: Hashable, Sendable {
    public static let maximumBytes = 16 << 10
    public static let maximumArguments = 256
    public static let maximumArgumentBytes = 4096

    public let arguments: [String]
    /// Some of argv was left out (beyond one of the bounds).
    public let truncated: Bool

    public init(cmdline: ArraySlice<UInt8>) {
        var bytes = cmdline
        var truncated = false
        if bytes.count > Self.maximumBytes {
            bytes = bytes.prefix(Self.maximumBytes)
            truncated = true
        }
        if bytes.last == 0 { bytes = bytes.dropLast() }
        var arguments: [String] = []
        for argument in bytes.split(separator: 0, omittingEmptySubsequences: false) {
            guard arguments.count < Self.maximumArguments else {
                truncated = true
                break
            }
            if argument.count > Self.maximumArgumentBytes { truncated = true }
            arguments.append(Self.escape(argument.prefix(Self.maximumArgumentBytes)))
        }
        self.arguments = bytes.isEmpty ? [] : arguments
        self.truncated = truncated
    }

    /// The bytes as printable text (see the type's description).
    public static func escape(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                switch byte {
                case UInt8(ascii: "\\"): out += "\\\\"
                case UInt8(ascii: "\n"): out += "\\n"
                case UInt8(ascii: "\t"): out += "\\t"
                case UInt8(ascii: "\r"): out += "\\r"
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
                default: out += hex(byte)
                }
                index += 1
            } else if let (scalar, length) = scalar(in: bytes, at: index) {
                out +=
                    isMisleading(scalar) ? "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" : String(scalar)
                index += length
            } else {
                out += hex(byte)
                index += 1
            }
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }

    /// C1 controls, bidirectional embeddings, overrides and isolates, line/paragraph separators, zero widths.
    private static func isMisleading(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F, 0x200B...0x200F, 0x2028...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// One well-formed UTF-8 sequence at `index` (no overlong forms, no surrogates): the scalar and its length.
    private static func scalar(in bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        let (length, minimum, initial): (Int, UInt32, UInt32) =
            switch lead {
            case 0xC2...0xDF: (2, 0x80, UInt32(lead & 0x1F))
            case 0xE0...0xEF: (3, 0x800, UInt32(lead & 0x0F))
            case 0xF0...0xF4: (4, 0x10000, UInt32(lead & 0x07))
            default: (0, 0, 0)
            }
        guard length > 0, index + length <= bytes.count else { return nil }
        var value = initial
        for offset in 1..<length {
            let next = bytes[index + offset]
            guard next & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(next & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
