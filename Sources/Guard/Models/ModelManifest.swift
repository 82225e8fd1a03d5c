import Audit
import Capabilities
import Crypto
import Foundation

/// The signed list of a model's files: each file's name and SHA-256, the model's identifier, when it was signed,
/// the signer's public key and an Ed25519 signature over all of that. What is signed is the canonical JSON of the
/// manifest without its `signature` member (``signedBytes``), rebuilt from the parsed values — so no whitespace,
/// order or escaping trick can make two readers see different manifests under one signature.
public struct ModelManifest: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        /// A plain file name (no `/`): the file sits next to the manifest.
        public let name: String
        /// Lower-case hex of the SHA-256 of its bytes.
        public let sha256: String

        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    public static let format = "aios-model-manifest/1"
    public static let maximumBytes = 1 << 20
    public static let maximumFiles = 64

    public let model: String
    public let created: Timestamp
    public let files: [File]
    /// The signer, as `ed25519:…`.
    public let key: String
    /// Base64 of the Ed25519 signature; nil when the manifest is unsigned (it is then refused by every load).
    public let signature: String?

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] { JSONValue.object(body).canonicalBytes }

    private var body: [(key: String, value: JSONValue)] {
        [
            ("format", .string(Self.format)), ("model", .string(model)), ("created", .string(created.rfc3339)),
            (
                "files",
                .array(files.map { .object([("name", .string($0.name)), ("sha256", .string($0.sha256))]) })
            ),
            ("key", .string(key)),
        ]
    }

    /// A new manifest signed with `privateKey`.
    public static func sign(
        model: String, files: [File], created: Timestamp, with privateKey: Curve25519.Signing.PrivateKey
    ) throws(GuardError) -> ModelManifest {
        let unsigned = ModelManifest(
            model: model, created: created, files: files, key: ModelSigningKey.encode(privateKey.publicKey),
            signature: nil)
        try ModelManifestParser.check(unsigned)
        let signature: Data
        do { signature = try privateKey.signature(for: unsigned.signedBytes) } catch {
            throw GuardError("model manifest: signing failed")
        }
        return ModelManifest(
            model: model, created: created, files: files, key: unsigned.key,
            signature: signature.base64EncodedString())
    }

    /// The manifest as written to disk: the signed members and the signature, one line.
    public var json: [UInt8] {
        let signed = signature.map { [(key: "signature", value: JSONValue.string($0))] } ?? []
        return JSONValue.object(body + signed).canonicalBytes + [UInt8(ascii: "\n")]
    }

    public static func parse(_ bytes: [UInt8]) throws(GuardError) -> ModelManifest {
        try ModelManifestParser.parse(bytes)
    }

    /// The signer's key if it is one of `pinned` and the signature is its; otherwise why not.
    public func verifySignature(pinned: [Curve25519.Signing.PublicKey]) throws(GuardError)
        -> Curve25519.Signing.PublicKey
    {
        guard let signature else { throw GuardError("model manifest: not signed") }
        guard !pinned.isEmpty else { throw GuardError("model manifest: no model-signing key is pinned") }
        guard let signer = pinned.first(where: { ModelSigningKey.encode($0) == key }) else {
            throw GuardError("model manifest: signed by \(key), which is not a pinned key")
        }
        guard let raw = Data(base64Encoded: signature), signer.isValidSignature(raw, for: signedBytes) else {
            throw GuardError("model manifest: the signature does not verify with \(key)")
        }
        return signer
    }
}
