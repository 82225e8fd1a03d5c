import Capabilities
import Crypto
import Foundation
import Guard

/// A model directory of its own: a model file, and a manifest signed (or not) by a key the test chooses.
final class ModelFilesLab {
    let directory: String
    let key = Curve25519.Signing.PrivateKey()
    let otherKey = Curve25519.Signing.PrivateKey()
    var modelPath: String { directory + "/risk-model.json" }
    var manifestPath: String { directory + "/risk-model.manifest.json" }
    static let created = Timestamp(rfc3339: "2026-12-03T23:00:00Z")!

    init(model: [UInt8] = Array(#"{"identifier":"risk-gbt-test"}"#.utf8)) throws {
        var template = Array("/tmp/aios-model-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw GuardError("mkdtemp failed") }
        directory = String(cString: made)
        try write(model, to: modelPath)
        try sign(with: key)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Signs a manifest listing the model as it is now.
    func sign(with signer: Curve25519.Signing.PrivateKey, files: [String]? = nil) throws {
        let listed = try (files ?? ["risk-model.json"]).map { name in
            ModelManifest.File(
                name: name, sha256: ModelFiles.hex(SHA256.hash(data: try read(directory + "/" + name))))
        }
        let manifest = try ModelManifest.sign(
            model: "risk-gbt-test", files: listed, created: Self.created, with: signer)
        try write(manifest.json, to: manifestPath)
    }

    func load(pinned: [Curve25519.Signing.PublicKey]? = nil, model: String? = nil) throws(GuardError)
        -> VerifiedModel
    {
        try ModelFiles.loadVerified(
            model: model ?? modelPath, manifest: manifestPath, pinnedKeys: pinned ?? [key.publicKey])
    }

    /// The refusal's message, or nil when the load succeeded.
    func refusal(pinned: [Curve25519.Signing.PublicKey]? = nil, model: String? = nil) -> String? {
        do {
            _ = try load(pinned: pinned, model: model)
            return nil
        } catch {
            return error.message
        }
    }
}
