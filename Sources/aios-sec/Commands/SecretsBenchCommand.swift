import ArgumentParser
import Foundation
import Sandbox
import Secrets

/// `aios-sec bench secrets`: loading a sealed file of many secrets into the keyring, with the KDF timed apart.
struct SecretsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Load N secrets from a sealed file into a keyring vault; time the KDF apart.")

    @Option(help: "How many secrets.") var count = 1000
    @Option(help: "Bytes per secret value.") var size = 64
    @Option(help: "Repetitions (median reported).") var repeats = 5
    @Option(help: "Keys handed to one agent in the hand-off measurement.") var agentKeys = 10
    @Option(help: "Hand-offs measured.") var handoffs = 50

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
        let (handoff, launch) = try measureHandoff(keys: agentKeys, repetitions: handoffs)
        loads.sort()
        print(
            String(
                format:
                    "SECRETS_RESULT load %d secrets of %d bytes: median %.1f ms (min %.1f, max %.1f) — key file, no KDF; open + %d keyring adds + destroy file",
                count, size, loads[loads.count / 2], loads.first!, loads.last!, count))
        print(String(format: "SECRETS_RESULT kdf scrypt 2^17 x 8 x 1: %.1f ms (once per boot)", kdf))
        print(
            String(
                format:
                    "SECRETS_RESULT hand %d keys to an agent (copies refreshed + linked into its session keyring): median %.3f ms, max %.3f ms (n=%d)",
                agentKeys, handoff[handoff.count / 2], handoff.last!, handoffs))
        print(
            String(
                format:
                    "SECRETS_RESULT   anchor, same run: launching the agent process itself (fork to exec of /bin/true): median %.3f ms",
                launch[launch.count / 2]))
    }

    /// Times the hand-off alone (refresh the agent's copies from the vault, link its keyring into the child's
    /// session keyring) between fork and exec of a real child, and the launch itself as the anchor.
    private func measureHandoff(keys: Int, repetitions: Int) throws -> (handoff: [Double], launch: [Double]) {
        let vault = try KeyringVault.openOrCreate(name: "aios:vault:bench-handoff-\(getpid())")
        defer { try? vault.destroy() }
        let names = (0..<keys).map { "agent-secret-\($0)" }
        for name in names {
            var value = (0..<size).map { _ in UInt8.random(in: 0...255) }
            try vault.store(name, SecretBytes(consuming: &value))
        }
        let ring = try AgentKeyring.openOrCreate(agent: "bench", in: vault)
        var handoff: [Double] = []
        var launch: [Double] = []
        for _ in 0..<repetitions {
            let launchStart = monotonicNanoseconds()
            let child = try PendingProcess(
                LaunchSpec(
                    executable: "/bin/true", arguments: ["true"], environment: [],
                    identity: geteuid() == 0 ? (61_999, 61_999) : nil, ownSessionKeyring: true))
            let start = monotonicNanoseconds()
            try ring.provide(names, from: vault, ttl: { _ in 3600 })
            try ring.link(into: KeySerial(rawValue: child.sessionKeyring))
            let end = monotonicNanoseconds()
            try child.release()
            let released = monotonicNanoseconds()
            _ = child.wait()
            handoff.append(Double(end - start) / 1e6)
            launch.append(Double((start - launchStart) + (released - end)) / 1e6)
        }
        return (handoff.sorted(), launch.sorted())
    }
}
