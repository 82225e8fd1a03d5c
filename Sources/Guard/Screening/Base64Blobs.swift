/// Runs of base64 (standard or URL-safe alphabet, 24 characters or more) that decode to mostly printable UTF-8:
/// the way to hide an instruction from a keyword filter while a model still reads it.
enum Base64Blobs {
    static let minimumLength = 24
    /// At most this many runs are decoded, each at most this long: the screen's cost stays bounded.
    static let maximumBlobs = 16
    static let maximumBlobLength = 16 * 1024

    static func decodedTexts(in text: String) -> [String] {
        var texts: [String] = []
        var run: [UInt8] = []
        func flush() {
            defer { run.removeAll(keepingCapacity: true) }
            guard run.count >= minimumLength, texts.count < maximumBlobs else { return }
            if let bytes = decode(run.prefix(maximumBlobLength)), let text = printable(bytes) { texts.append(text) }
        }
        for byte in text.utf8 {
            if isAlphabet(byte) { run.append(byte) } else { flush() }
        }
        flush()
        return texts
    }

    static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "-"),
            UInt8(ascii: "_"), UInt8(ascii: "="):
            true
        default: false
        }
    }

    /// Decodes base64 in either alphabet, padding optional; nil on a misplaced `=`.
    static func decode(_ characters: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var padded = false
        for character in characters {
            let value: UInt32
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(character - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(character - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(character - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            default:
                padded = true
                continue
            }
            guard !padded else { return nil }
            buffer = (buffer << 6) | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }

    /// The bytes as text when they are valid UTF-8 and at least 90% printable (letters, spaces, punctuation).
    static func printable(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty, let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let scalars = text.unicodeScalars
        let shown = scalars.filter { $0 == "\n" || $0 == "\t" || !($0.properties.generalCategory == .control) }
        return shown.count * 10 >= scalars.count * 9 ? text : nil
    }
}
