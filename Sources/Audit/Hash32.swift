import Crypto
import Foundation

/// A SHA-256 value.
public struct Hash32: Hashable, Sendable, CustomStringConvertible {
    public var bytes: SIMD32<UInt8>

    public static let zero = Hash32(bytes: .zero)

    public init(bytes: SIMD32<UInt8>) {
        self.bytes = bytes
    }

    init(_ digest: SHA256.Digest) {
        var value = SIMD32<UInt8>()
        withUnsafeMutableBytes(of: &value) { target in digest.withUnsafeBytes { target.copyMemory(from: $0) } }
        bytes = value
    }

    /// From exactly 32 bytes.
    public init?(_ data: some Collection<UInt8>) {
        guard data.count == 32 else { return nil }
        var value = SIMD32<UInt8>()
        let copied: Void? = data.withContiguousStorageIfAvailable { source in
            withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(source)) }
        }
        if copied == nil {
            for (index, byte) in data.enumerated() { value[index] = byte }
        }
        bytes = value
    }

    /// From exactly 32 raw bytes.
    init?(raw: UnsafeRawBufferPointer) {
        guard raw.count == 32 else { return nil }
        var value = SIMD32<UInt8>()
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: raw) }
        bytes = value
    }

    public var array: [UInt8] { withUnsafeBytes(of: bytes) { Array($0) } }

    public var hex: String { array.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    public var base64: String { Base64.encode(array) }

    public var description: String { hex }

    /// SHA-256 of `data`.
    public static func sha256(_ data: some DataProtocol) -> Hash32 { Hash32(SHA256.hash(data: data)) }

    /// SHA-256 of the concatenation of `parts`.
    static func sha256(_ parts: [UnsafeRawBufferPointer]) -> Hash32 {
        var hasher = SHA256()
        for part in parts { hasher.update(bufferPointer: part) }
        return Hash32(hasher.finalize())
    }
}

/// Standard base64 (RFC 4648, with padding), as the signed-note format uses.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict decoding: padded, canonical, nothing else. Nil for anything malformed.
    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < chars.count {
            var values: [UInt8] = []
            var padding = 0
            for offset in 0..<4 {
                let char = chars[index + offset]
                if char == UInt8(ascii: "=") {
                    guard index + 4 == chars.count, offset >= 2 else { return nil }
                    padding += 1
                    values.append(0)
                    continue
                }
                guard padding == 0, let value = alphabet.firstIndex(of: char) else { return nil }
                values.append(UInt8(value))
            }
            let triple = [values[0] << 2 | values[1] >> 4, values[1] << 4 | values[2] >> 2, values[2] << 6 | values[3]]
            out.append(contentsOf: triple.prefix(3 - padding))
            index += 4
        }
        guard encode(out) == text else { return nil }
        return out
    }
}
