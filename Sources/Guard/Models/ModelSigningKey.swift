import Crypto
import Foundation

/// How model-signing keys are written: a public key as `ed25519:` and the base64 of its raw 32 bytes (one line, so
/// the policy pins it as a string), a private key file as `ed25519-private:` and the base64 of its raw 32-byte seed.
public enum ModelSigningKey {
    public static let publicPrefix = "ed25519:"
    public static let privatePrefix = "ed25519-private:"

    /// A pinned key as the policy and `--key` give it.
    public static func parsePublic(_ text: String) throws(GuardError) -> Curve25519.Signing.PublicKey {
        let raw = try decode(text, prefix: publicPrefix, what: "public key")
        do { return try Curve25519.Signing.PublicKey(rawRepresentation: raw) } catch {
            throw GuardError("model-signing public key: not an Ed25519 key")
        }
    }

    public static func encode(_ key: Curve25519.Signing.PublicKey) -> String {
        publicPrefix + key.rawRepresentation.base64EncodedString()
    }

    public static func parsePrivate(_ text: String) throws(GuardError) -> Curve25519.Signing.PrivateKey {
        let line = text.hasSuffix("\n") ? String(text.dropLast()) : text
        let raw = try decode(line, prefix: privatePrefix, what: "private key")
        do { return try Curve25519.Signing.PrivateKey(rawRepresentation: raw) } catch {
            throw GuardError("model-signing private key: not an Ed25519 key")
        }
    }

    public static func encode(_ key: Curve25519.Signing.PrivateKey) -> String {
        privatePrefix + key.rawRepresentation.base64EncodedString() + "\n"
    }

    /// The 32 bytes after `prefix`, in canonical base64 only (one spelling per key: a pin compares as text too).
    private static func decode(_ text: String, prefix: String, what: String) throws(GuardError) -> Data {
        guard text.hasPrefix(prefix) else { throw GuardError("model-signing \(what): must start with \"\(prefix)\"") }
        let encoded = String(text.dropFirst(prefix.count))
        guard let raw = Data(base64Encoded: encoded), raw.count == 32, raw.base64EncodedString() == encoded else {
            throw GuardError("model-signing \(what): expected the base64 of 32 bytes after \"\(prefix)\"")
        }
        return raw
    }
}
