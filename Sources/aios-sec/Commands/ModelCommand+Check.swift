import ArgumentParser
import Crypto
import Foundation
import Guard

/// `model verify --manifest PATH --key K... MODEL`: loads the model as the daemon would; exit 1 with the reason
/// when it is refused.
struct ModelVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a model file against its manifest and the pinned keys (exit 1 with the reason if refused).")

    @Option(help: "The signed manifest.") var manifest: String
    @OptionGroup var pins: PinnedKeyOptions
    @Argument(help: "The model file.") var model: String

    func run() throws {
        let pinned = try pins.pinned()
        do {
            let verified = try ModelFiles.loadVerified(model: model, manifest: manifest, pinnedKeys: pinned)
            print(
                "ok: \(verified.name) sha256 \(verified.sha256), model \(verified.manifestModel), signed by "
                    + verified.signer)
        } catch {
            printError("refused: \(error.message)")
            throw ExitStatus.denied
        }
    }
}

/// `model list --manifest PATH [--key K...] [--json]`: the manifest's files and whether each is as listed.
struct ModelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a manifest's files with their status (ok, modified, missing) and the signature's.")

    @Option(help: "The signed manifest.") var manifest: String
    @OptionGroup var pins: PinnedKeyOptions
    @Flag(help: "One JSON object instead of lines.") var json = false

    func run() throws {
        let pinned = try pins.pinned()
        let parsed: ModelManifest
        do {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: manifest)))
            parsed = try ModelManifest.parse(bytes)
        } catch let error as GuardError {
            printError("model list: \(error.message)")
            throw ExitStatus.dataError
        } catch {
            printError("model list: \(manifest): cannot read (\(error.localizedDescription))")
            throw ExitStatus.dataError
        }
        let signature = Self.signatureStatus(parsed, pinned: pinned)
        let directory = URL(fileURLWithPath: manifest).deletingLastPathComponent().path
        let files = ModelFiles.status(of: parsed, directory: directory)
        if json {
            let object: [String: Any] = [
                "model": parsed.model, "created": parsed.created.rfc3339, "key": parsed.key, "signature": signature,
                "files": zip(parsed.files, files).map { file, status in
                    ["name": file.name, "sha256": file.sha256, "status": status.status.description]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("model \(parsed.model), created \(parsed.created.rfc3339), key \(parsed.key): signature \(signature)")
            for (file, status) in zip(parsed.files, files) {
                print(
                    "\(status.status.description.padding(toLength: 10, withPad: " ", startingAt: 0)) \(file.sha256)  \(file.name)"
                )
            }
        }
        if signature != "valid" && signature != "not_checked" { throw ExitStatus.denied }
        if files.contains(where: { $0.status != .ok }) { throw ExitStatus.denied }
    }

    /// valid, not_checked (no --key), unsigned, not_pinned or invalid.
    static func signatureStatus(_ manifest: ModelManifest, pinned: [Curve25519.Signing.PublicKey]) -> String {
        guard manifest.signature != nil else { return "unsigned" }
        guard !pinned.isEmpty else { return "not_checked" }
        do {
            _ = try manifest.verifySignature(pinned: pinned)
            return "valid"
        } catch {
            return error.message.contains("not a pinned key") ? "not_pinned" : "invalid"
        }
    }
}
