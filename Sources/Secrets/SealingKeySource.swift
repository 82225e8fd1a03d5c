import Crypto
import CryptoExtras
import Foundation

/// How a sealed file's key is derived, recorded in its header (authenticated).
public enum KeyDerivation: Hashable, Sendable {
    /// scrypt over a passphrase: cost 2^logN, block size r, parallelism p.
    case scrypt(logN: UInt8, r: UInt32, p: UInt32, salt: [UInt8])
    /// HKDF-SHA256 over the bytes of a key file.
    case keyFile(salt: [UInt8])

    /// The limits a reader accepts, so a hostile header cannot ask for unbounded memory or time.
    static let maximumLogN: UInt8 = 22
    static let maximumR: UInt32 = 32
    static let maximumP: UInt32 = 16
    static let maximumMemory = 1 << 31
}

/// Where the key of a sealed file comes from. A seam: a TPM-sealed key is another conformance.
public protocol SealingKeySource: Sendable {
    /// The derivation to record when sealing a new file.
    func newDerivation() -> KeyDerivation
    /// The key for a file whose header records `derivation`; an error if this source cannot serve it.
    func key(for derivation: KeyDerivation) throws(SecretsError) -> SymmetricKey
}

/// A key from a passphrase through scrypt (memory-hard). Default cost 2^17 × 8 × 1 ≈ 128 MiB, about half a second.
public struct PassphraseKey: SealingKeySource {
    private let passphrase: SecretBytes
    private let logN: UInt8
    private let r: UInt32
    private let p: UInt32

    public init(passphrase: SecretBytes, logN: UInt8 = 17, r: UInt32 = 8, p: UInt32 = 1) {
        self.passphrase = passphrase
        self.logN = logN
        self.r = r
        self.p = p
    }

    public func newDerivation() -> KeyDerivation {
        .scrypt(logN: logN, r: r, p: p, salt: randomBytes(16))
    }

    public func key(for derivation: KeyDerivation) throws(SecretsError) -> SymmetricKey {
        guard case .scrypt(let logN, let r, let p, let salt) = derivation else {
            throw .key("this file was sealed with a key file, not a passphrase")
        }
        guard logN >= 10, logN <= KeyDerivation.maximumLogN, (1...KeyDerivation.maximumR).contains(r),
            (1...KeyDerivation.maximumP).contains(p)
        else { throw .unsupported("scrypt parameters out of range (logN \(logN), r \(r), p \(p))") }
        do {
            return try passphrase.withUnsafeBytes { bytes in
                try KDF.Scrypt.deriveKey(
                    from: Data(bytes), salt: salt, outputByteCount: 32, rounds: 1 << Int(logN), blockSize: Int(r),
                    parallelism: Int(p), maxMemory: KeyDerivation.maximumMemory)
            }
        } catch {
            throw .key("scrypt failed (parameters too large for this machine?)")
        }
    }
}

/// A key from a key file (at least 32 random bytes), through HKDF-SHA256 with the file's salt.
public struct KeyFileKey: SealingKeySource {
    private let material: SecretBytes

    public init(material: SecretBytes) throws(SecretsError) {
        guard material.count >= 32 else { throw .key("a key file must hold at least 32 bytes") }
        self.material = material
    }

    public func newDerivation() -> KeyDerivation { .keyFile(salt: randomBytes(16)) }

    public func key(for derivation: KeyDerivation) throws(SecretsError) -> SymmetricKey {
        guard case .keyFile(let salt) = derivation else {
            throw .key("this file was sealed with a passphrase, not a key file")
        }
        return material.withUnsafeBytes { bytes in
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: bytes), salt: salt, info: Array("aios-sealed-file/1".utf8),
                outputByteCount: 32)
        }
    }
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}
