import Crypto
import Foundation

/// The sealed secrets file (`secrets.enc`), format version 1:
///
/// ```
/// "AIOSSEAL" | version 1 | key derivation (1 scrypt: logN, r, p, salt; 2 key file: salt) | cipher (1 AES-256-GCM)
/// | nonce (12) | ciphertext length (8) | ciphertext ‖ tag (16)
/// ```
///
/// Integers are big-endian. Everything before the ciphertext is authenticated as additional data, so a changed
/// parameter fails like a wrong key. The plaintext is a count and (name, value) pairs, lengths big-endian.
public enum SealedFile {
    static let magic = Array("AIOSSEAL".utf8)
    static let version: UInt8 = 1
    static let cipherAES256GCM: UInt8 = 1
    /// The largest file or payload accepted (secrets are small; this bounds what a hostile file can make us read).
    public static let maximumSize = 16 << 20

    /// Seals named secrets with a fresh salt and nonce.
    public static func seal(
        _ secrets: [(name: String, value: SecretBytes)], with source: any SealingKeySource
    ) throws(SecretsError) -> [UInt8] {
        var seen: Set<String> = []
        for secret in secrets {
            try SecretName.validate(secret.name)
            guard seen.insert(secret.name).inserted else { throw .input("secret '\(secret.name)' is given twice") }
        }
        let derivation = source.newDerivation()
        let key = try source.key(for: derivation)
        var plaintext = encodePayload(secrets)
        defer { plaintext.withUnsafeMutableBytes { SecretBytes.zero($0) } }
        let nonce = AES.GCM.Nonce()
        var header = encodeHeader(derivation)
        header += Array(nonce)
        let sealedCount = UInt64(plaintext.count + 16)
        header += bigEndian(sealedCount, 8)
        do {
            let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: header)
            return header + Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw .key("encryption failed")
        }
    }

    /// Opens a sealed file. Wrong key and modified file are the same error; a truncated or foreign file says
    /// what is wrong and where.
    public static func open(
        _ bytes: [UInt8], with source: any SealingKeySource
    ) throws(SecretsError) -> [(name: String, value: SecretBytes)] {
        var reader = ByteReader(bytes)
        let derivation = try readHeader(&reader)
        let nonceBytes = try reader.take(12, "nonce")
        let length = try reader.integer(8, "ciphertext length")
        guard length >= 16, length <= UInt64(maximumSize) else {
            throw .format("ciphertext length \(length) is out of range")
        }
        let headerEnd = reader.offset
        let sealed = try reader.take(Int(length), "ciphertext")
        guard reader.isAtEnd else { throw .format("\(bytes.count - reader.offset) bytes after the ciphertext") }
        let key = try source.key(for: derivation)
        var plaintext: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: nonceBytes), ciphertext: sealed.dropLast(16), tag: sealed.suffix(16))
            plaintext = Array(try AES.GCM.open(box, using: key, authenticating: bytes[..<headerEnd]))
        } catch {
            throw .authentication
        }
        defer { plaintext.withUnsafeMutableBytes { SecretBytes.zero($0) } }
        return try decodePayload(plaintext)
    }

    /// The key derivation a file records, without opening it (for `secrets` commands that ask which key to use).
    public static func derivation(of bytes: [UInt8]) throws(SecretsError) -> KeyDerivation {
        var reader = ByteReader(bytes)
        return try readHeader(&reader)
    }

    private static func encodeHeader(_ derivation: KeyDerivation) -> [UInt8] {
        var out = magic + [version]
        switch derivation {
        case .scrypt(let logN, let r, let p, let salt):
            out += [1, logN] + bigEndian(UInt64(r), 4) + bigEndian(UInt64(p), 4) + [UInt8(salt.count)] + salt
        case .keyFile(let salt):
            out += [2, UInt8(salt.count)] + salt
        }
        return out + [cipherAES256GCM]
    }

    private static func readHeader(_ reader: inout ByteReader) throws(SecretsError) -> KeyDerivation {
        guard try reader.take(8, "magic") == magic else {
            throw .format("not a sealed secrets file (bad magic at byte 1)")
        }
        let version = try reader.byte("version")
        guard version == Self.version else {
            throw .unsupported("sealed file version \(version) is unknown (this build reads 1)")
        }
        let derivation: KeyDerivation
        switch try reader.byte("key derivation") {
        case 1:
            let logN = try reader.byte("scrypt logN")
            let r = UInt32(try reader.integer(4, "scrypt r"))
            let p = UInt32(try reader.integer(4, "scrypt p"))
            let salt = try reader.take(Int(try reader.byte("salt length")), "salt")
            derivation = .scrypt(logN: logN, r: r, p: p, salt: salt)
        case 2:
            derivation = .keyFile(salt: try reader.take(Int(try reader.byte("salt length")), "salt"))
        case let other:
            throw .unsupported("key derivation \(other) is unknown (1 scrypt, 2 key file)")
        }
        let cipher = try reader.byte("cipher")
        guard cipher == cipherAES256GCM else { throw .unsupported("cipher \(cipher) is unknown (1 AES-256-GCM)") }
        return derivation
    }

    private static func encodePayload(_ secrets: [(name: String, value: SecretBytes)]) -> [UInt8] {
        var out = bigEndian(UInt64(secrets.count), 4)
        for secret in secrets {
            out += bigEndian(UInt64(secret.name.utf8.count), 2) + Array(secret.name.utf8)
            out += bigEndian(UInt64(secret.value.count), 4)
            secret.value.withUnsafeBytes { out += $0 }
        }
        return out
    }

    private static func decodePayload(_ plaintext: [UInt8]) throws(SecretsError) -> [(name: String, value: SecretBytes)]
    {
        var reader = ByteReader(plaintext)
        let count = try reader.integer(4, "secret count")
        var secrets: [(name: String, value: SecretBytes)] = []
        for _ in 0..<count {
            let name = String(
                decoding: try reader.take(Int(try reader.integer(2, "name length")), "name"), as: UTF8.self)
            try SecretName.validate(name)
            var value = try reader.take(Int(try reader.integer(4, "value length")), "value")
            secrets.append((name, SecretBytes(consuming: &value)))
        }
        guard reader.isAtEnd else { throw .format("the payload has trailing bytes") }
        return secrets
    }
}

func bigEndian(_ value: UInt64, _ width: Int) -> [UInt8] {
    (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - $0))) }
}

/// Reads a byte buffer front to back; running out is a format error that names the field and the offset.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int, _ field: String) throws(SecretsError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else {
            throw .format(
                "truncated: \(field) needs \(count) bytes at byte \(offset + 1), \(bytes.count - offset) left")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func byte(_ field: String) throws(SecretsError) -> UInt8 { try take(1, field)[0] }

    mutating func integer(_ width: Int, _ field: String) throws(SecretsError) -> UInt64 {
        try take(width, field).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
