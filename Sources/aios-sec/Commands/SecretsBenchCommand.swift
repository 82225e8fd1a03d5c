import ArgumentParser
import Foundation
import Secrets

/// `aios-sec bench secrets`: loading a sealed file of many secrets into the keyring, with the KDF timed apart.
struct SecretsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Load N secrets from a sealed file into a keyring vault; time the KDF apart.")

    @Option(help: "How many secrets.") var count = 1000
    @Option(help: "Bytes per secret value.") var size = 64
    @Option(help: "Repetitions (median reported).") var repeats = 5

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var material = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let keyFile = try KeyFileKey(material: SecretBytes(consuming: &material))
        let secrets = (0..<count).map { index -> (name: String, value: SecretBytes) in
            var value = (0..<size).map { _ in UInt8.random(in: 0...255) }
            return ("secret-\(index)", SecretBytes(consuming: &value))
        }
        let sealed = try SealedFile.seal(secrets, with: keyFile)
        var loads: [Double] = []
        for repetition in 0..<repeats {
            let path = directory + "/secrets.enc"
            try Data(sealed).write(to: URL(fileURLWithPath: path))
            let vault = try KeyringVault.openOrCreate(name: "aios:vault:bench-\(getpid())-\(repetition)")
            let start = monotonicNanoseconds()
            let names = try SecretsLoader.load(file: path, with: keyFile, into: vault, keepFile: false)
            loads.append(Double(monotonicNanoseconds() - start) / 1e6)
            precondition(names.count == count)
            try vault.destroy()
        }
        var passphraseBytes = Array("benchmark passphrase".utf8)
        let passphrase = PassphraseKey(passphrase: SecretBytes(consuming: &passphraseBytes))
        let derivation = passphrase.newDerivation()
        let kdfStart = monotonicNanoseconds()
        _ = try passphrase.key(for: derivation)
        let kdf = Double(monotonicNanoseconds() - kdfStart) / 1e6
        loads.sort()
        print(
            String(
                format:
                    "SECRETS_RESULT load %d secrets of %d bytes: median %.1f ms (min %.1f, max %.1f) — key file, no KDF; open + %d keyring adds + destroy file",
                count, size, loads[loads.count / 2], loads.first!, loads.last!, count))
        print(String(format: "SECRETS_RESULT kdf scrypt 2^17 x 8 x 1: %.1f ms (once per boot)", kdf))
    }
}
