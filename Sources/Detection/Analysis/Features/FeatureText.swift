#if canImport(Glibc)
import Glibc
#endif

/// A string compared and hashed by its UTF-8 bytes. Swift's `String` equality is Unicode canonical equivalence
/// (the Kelvin sign equals `K`); the features count distinct values byte for byte, as features.py does, so a
/// re-encoded name is a different value here too.
struct ExactText: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        lhs.text.utf8.count == rhs.text.utf8.count && FeatureText.startsWith(lhs.text.utf8, rhs.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if hashed == nil { for byte in text.utf8 { hasher.combine(byte) } }
    }
}

/// Byte-wise tests on UTF-8 text (never canonical equivalence).
enum FeatureText {
    static func equal<A: Collection<UInt8>>(_ text: A, _ literal: String) -> Bool {
        text.count == literal.utf8.count && startsWith(text, literal.utf8)
    }

    static func hasPrefix(_ text: String, _ prefix: String) -> Bool { startsWith(text.utf8, prefix.utf8) }

    static func hasSuffix(_ text: String, _ suffix: String) -> Bool {
        text.utf8.count >= suffix.utf8.count && text.utf8.reversed().starts(with: suffix.utf8.reversed())
    }

    /// `path` is `prefix` or beneath it (the FIM's rule).
    static func isWithin(_ path: String, _ prefix: String) -> Bool {
        guard startsWith(path.utf8, prefix.utf8) else { return false }
        let utf8 = path.utf8
        guard utf8.count > prefix.utf8.count else { return true }
        return utf8[utf8.index(utf8.startIndex, offsetBy: prefix.utf8.count)] == UInt8(ascii: "/")
    }

    /// Whether `text` begins with the bytes of `prefix`: a length check, then one memcmp over contiguous storage
    /// (what native strings have), the generic walk otherwise.
    static func startsWith<A: Collection<UInt8>, B: Collection<UInt8>>(_ text: A, _ prefix: B) -> Bool {
        let length = prefix.count
        guard text.count >= length else { return false }
        guard length > 0 else { return true }
        let compared: Bool?? = text.withContiguousStorageIfAvailable { text in
            prefix.withContiguousStorageIfAvailable { prefix in
                memcmp(text.baseAddress!, prefix.baseAddress!, length) == 0
            }
        }
        if let compared, let compared { return compared }
        return text.starts(with: prefix)
    }

    /// The bytes after the last `/`.
    static func basename(_ path: String) -> Substring.UTF8View {
        let utf8 = path.utf8
        guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return Substring(path).utf8 }
        return path[utf8.index(after: slash)...].utf8
    }

    /// Whether any of `needles` (lower-case ASCII) occurs in `text` with only A-Z folded to lower case: one pass
    /// over the text's bytes, a needle compared only where its first byte is.
    static func containsAnyFoldingASCII(_ text: String, _ needles: [[UInt8]]) -> Bool {
        func search(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            func folded(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 32 : byte }
            for start in bytes.indices {
                let first = folded(bytes[start])
                for needle in needles where needle[0] == first && bytes.count - start >= needle.count {
                    var matched = true
                    for offset in 1..<needle.count where folded(bytes[start + offset]) != needle[offset] {
                        matched = false
                        break
                    }
                    if matched { return true }
                }
            }
            return false
        }
        if let found = text.utf8.withContiguousStorageIfAvailable(search) { return found }
        return Array(text.utf8).withUnsafeBufferPointer(search)
    }
}
