import ArgumentParser
import Audit
import Capabilities
import Crypto
import Foundation
import Guard

/// `aios-sec model keygen|sign|verify|list`: the signing of model files (model poisoning: the daemon loads a model
/// only when its SHA-256 is in a manifest signed by a key pinned in policy).
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Sign and verify model files against pinned Ed25519 keys.",
        subcommands: [ModelKeygenCommand.self, ModelSignCommand.self, ModelVerifyCommand.self, ModelListCommand.self]
    )
}

/// `--key ed25519:…` (repeatable): the pins a check uses.
struct PinnedKeyOptions: ParsableArguments {
    @Option(name: .customLong("key"), help: "A pinned public key (ed25519:BASE64), as the policy pins it; repeatable.")
    var keys: [String] = []

    func pinned() throws -> [Curve25519.Signing.PublicKey] {
        var pinned: [Curve25519.Signing.PublicKey] = []
        for key in keys {
            do { pinned.append(try ModelFiles.parsePinnedKey(key)) } catch {
                throw ValidationError("--key \(key): \(error.message)")
            }
        }
        return pinned
    }
}

/// `model keygen --out FILE`: a new signing key; the private key to FILE (mode 0600, never overwritten), the
/// public key line to stdout.
struct ModelKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a model-signing key: the private key to --out (mode 0600), the public key line to stdout.")

    @Option(help: "Where the private key goes (must not exist).") var out: String

    func run() throws {
        let key = Curve25519.Signing.PrivateKey()
        let fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            printError("model keygen: \(out): \(String(cString: strerror(errno)))")
            throw ExitStatus.dataError
        }
        defer { close(fd) }
        let bytes = Array(ModelSigningKey.encode(key).utf8)
        guard fchmod(fd, 0o600) == 0, write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            printError("model keygen: \(out): \(String(cString: strerror(errno)))")
            throw ExitStatus.software
        }
        print(ModelSigningKey.encode(key.publicKey))
    }
}

/// `model sign --key FILE --manifest PATH FILE...`: a manifest listing the files (next to it) with their SHA-256.
struct ModelSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Write a signed manifest for model files that sit next to it.")

    @Option(name: .customLong("key"), help: "The private key file (from model keygen).") var keyFile: String
    @Option(help: "The manifest to write.") var manifest: String
    @Option(help: "The model's identifier (default: the first file's \"identifier\" member).") var modelID: String?
    @Argument(help: "The model files, in the manifest's directory.") var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one model file") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: manifest).deletingLastPathComponent().standardizedFileURL.path
        var listed: [ModelManifest.File] = []
        var first: [UInt8]?
        for file in files {
            let url = URL(fileURLWithPath: file)
            guard url.deletingLastPathComponent().standardizedFileURL.path == directory else {
                throw ValidationError("\(file) is not in the manifest's directory \(directory)")
            }
            let bytes = try readFile(file)
            first = first ?? bytes
            listed.append(.init(name: url.lastPathComponent, sha256: ModelFiles.hex(SHA256.hash(data: bytes))))
        }
        guard let model = modelID ?? first.flatMap(Self.identifier) else {
            throw ValidationError("--model-id: the first file has no \"identifier\" member")
        }
        do {
            let key = try ModelSigningKey.parsePrivate(String(decoding: try readFile(keyFile), as: UTF8.self))
            let signed = try ModelManifest.sign(model: model, files: listed, created: SystemClock().now(), with: key)
            try Data(signed.json).write(to: URL(fileURLWithPath: manifest), options: .atomic)
            print("signed \(manifest): \(model), \(listed.count) file(s), key \(signed.key)")
        } catch let error as GuardError {
            printError("model sign: \(error.message)")
            throw ExitStatus.dataError
        }
    }

    static func identifier(_ bytes: [UInt8]) -> String? {
        (try? JSONParser.parse(bytes: bytes))?["identifier"]?.stringValue
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        do { return Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            printError("model sign: \(path): cannot read (\(error.localizedDescription))")
            throw ExitStatus.dataError
        }
    }
}
