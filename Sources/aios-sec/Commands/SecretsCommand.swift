import ArgumentParser
import Foundation
import Secrets

struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Seal secrets for boot, load them into the kernel keyring, list what the vault holds.",
        subcommands: [
            SecretsSealCommand.self, SecretsLoadCommand.self, SecretsListCommand.self, SecretsRotateCommand.self,
            SecretsExecCommand.self,
            SecretsForgetCommand.self,
        ]
    )
}

struct SecretsSealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Encrypt NAME=VALUE lines (or secrets from the vault) into a sealed file (0600, written atomically).",
        discussion: """
            The key comes from a key file (--key-file), or from a passphrase read from --passphrase-file, the
            environment variable AIOS_PASSPHRASE, or a prompt on the terminal — never from an argument.
            """
    )

    @Option(name: .customLong("in"), help: "Plaintext NAME=VALUE lines, or - for stdin.") var input: String?
    @Option(
        name: .customLong("from-vault"),
        help: "Instead of --in: seal these secrets (comma-separated names) from the keyring vault, e.g. ca-seal-key.")
    var fromVault: String?
    @OptionGroup var vault: VaultOptions
    @Option(name: .customLong("out"), help: "The sealed file to write.") var output: String
    @Option(help: "Read the passphrase from this file (first line).") var passphraseFile: String?
    @Option(help: "Use this key file (at least 32 bytes) instead of a passphrase.") var keyFile: String?

    func validate() throws {
        guard (input == nil) != (fromVault == nil) else {
            throw ValidationError("give --in FILE or --from-vault NAMES")
        }
    }

    func run() throws {
        try refuseCoreDumps()
        let secrets: [(name: String, value: SecretBytes)]
        if let input {
            var plaintext = try readAll(input)
            do {
                secrets = try SecretsInput.parse(&plaintext)
            } catch {
                printError("secrets seal: \(input): \(error)")
                throw ExitStatus.dataError
            }
        } else {
            // Values go from the keyring straight into the sealed file: never printed, never in a plaintext file.
            let target = try vault.open()
            let names = (fromVault ?? "").split(separator: ",").map(String.init)
            secrets = try names.map { name in
                (name, try secretsCall { () throws(SecretsError) in try target.read(name) })
            }
        }
        let source = try KeySourceOptions(passphraseFile: passphraseFile, keyFile: keyFile).source(confirm: true)
        do {
            let sealed = try SealedFile.seal(secrets, with: source)
            try writeAtomically(sealed, to: output)
        } catch let error as SecretsError {
            printError("secrets seal: \(error)")
            throw ExitStatus.dataError
        }
        print("sealed \(secrets.count) secret(s) into \(output)")
    }

    private func readAll(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("secrets seal: cannot read \(path)")
            throw ExitStatus.dataError
        }
        return Array(data)
    }
}

/// `--vault NAME`: the keyring in `@u` that holds the secrets.
struct VaultOptions: ParsableArguments {
    @Option(name: .customLong("vault"), help: "The vault keyring's name in the user keyring.")
    var name = KeyringVault.defaultName

    func open() throws -> KeyringVault {
        do {
            return try KeyringVault.openOrCreate(name: name)
        } catch {
            printError("secrets: \(error)")
            throw ExitStatus.unavailable
        }
    }
}

struct SecretsLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Decrypt a sealed file into the kernel keyring vault, then destroy the file (unless --keep-file).",
        discussion: "The file is destroyed (zeros, fsync, unlink) only after every secret is in the keyring."
    )

    @Option(help: "The sealed file.") var file: String
    @Flag(help: "Keep the sealed file after loading.") var keepFile = false
    @Option(help: "Read the passphrase from this file (first line).") var passphraseFile: String?
    @Option(help: "Use this key file instead of a passphrase.") var keyFile: String?
    @OptionGroup var vault: VaultOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        let vault: String
        let serial: Int32
        let loaded: [String]
        let fileKept: Bool
    }

    func run() throws {
        try refuseCoreDumps()
        let source = try KeySourceOptions(passphraseFile: passphraseFile, keyFile: keyFile).source(confirm: false)
        let target = try vault.open()
        let names: [String]
        do {
            names = try SecretsLoader.load(file: file, with: source, into: target, keepFile: keepFile)
        } catch {
            printError(
                "secrets load: \(error)\(error.isAuthenticationFailure || error.isFormat ? " (\(file) is left as it was)" : "")"
            )
            throw error.isAuthenticationFailure || error.isFormat ? ExitStatus.dataError : ExitStatus.unavailable
        }
        if output.json {
            try printJSON(Report(vault: target.name, serial: target.serial.rawValue, loaded: names, fileKept: keepFile))
        } else {
            print(
                "loaded \(names.count) secret(s) into keyring \(target.name) (serial \(target.serial))"
                    + (keepFile ? "; \(file) kept" : "; \(file) destroyed"))
        }
    }
}

struct SecretsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Names (never values) of the secrets in the vault; --json adds serials and which agents hold copies.")

    @OptionGroup var vault: VaultOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        let name: String
        let serial: Int32
        let agentCopies: [String]
    }

    func run() throws {
        let target = try vault.open()
        let (entries, holders) = try secretsCall { () throws(SecretsError) in
            var holders: [String: [String]] = [:]
            for ring in try AgentKeyring.all(in: target) {
                for name in try ring.names() { holders[name, default: []].append(ring.agent) }
            }
            return (try target.list(), holders)
        }
        for entry in entries {
            if output.json {
                try printJSON(
                    Entry(
                        name: entry.name, serial: entry.serial.rawValue,
                        agentCopies: (holders[entry.name] ?? []).sorted()))
            } else {
                print(entry.name)
            }
        }
    }
}

struct SecretsForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget", abstract: "Destroy the vault and every secret in it, at once (invalidate in the kernel)."
    )

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let target = try vault.open()
        do {
            try target.destroy()
        } catch {
            printError("secrets forget: \(error)")
            throw ExitStatus.unavailable
        }
        print("destroyed keyring \(target.name) and its secrets")
    }
}

/// Every command that handles secret bytes first makes the process non-dumpable, and fails closed if it cannot.
func refuseCoreDumps() throws {
    do {
        try ProcessHygiene.refuseCoreDumps()
    } catch {
        printError("secrets: \(error)")
        throw ExitStatus.unavailable
    }
}

/// Where the key comes from, in the order the issue gives: key file, passphrase file, environment, terminal.
struct KeySourceOptions {
    let passphraseFile: String?
    let keyFile: String?

    func source(confirm: Bool) throws -> any SealingKeySource {
        if let keyFile {
            guard var material = FileManager.default.contents(atPath: keyFile).map(Array.init) else {
                printError("cannot read the key file \(keyFile)")
                throw ExitStatus.dataError
            }
            do {
                return try KeyFileKey(material: SecretBytes(consuming: &material))
            } catch {
                printError("\(keyFile): \(error)")
                throw ExitStatus.dataError
            }
        }
        var passphrase = try readPassphrase(confirm: confirm)
        guard !passphrase.isEmpty else {
            printError("the passphrase is empty")
            throw ExitStatus.dataError
        }
        return PassphraseKey(passphrase: SecretBytes(consuming: &passphrase))
    }

    private func readPassphrase(confirm: Bool) throws -> [UInt8] {
        if let passphraseFile {
            guard let data = FileManager.default.contents(atPath: passphraseFile) else {
                printError("cannot read the passphrase file \(passphraseFile)")
                throw ExitStatus.dataError
            }
            return Array(data.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") })
        }
        if let fromEnvironment = ProcessInfo.processInfo.environment["AIOS_PASSPHRASE"] {
            return Array(fromEnvironment.utf8)
        }
        guard isatty(STDIN_FILENO) == 1 || FileManager.default.isReadableFile(atPath: "/dev/tty") else {
            printError("no passphrase: use --passphrase-file, AIOS_PASSPHRASE or a terminal")
            throw ExitStatus.usage
        }
        let first = prompt("passphrase: ")
        if confirm {
            var second = prompt("again: ")
            defer { second.withUnsafeMutableBytes { SecretBytes.zero($0) } }
            guard first == second else {
                printError("the passphrases differ")
                throw ExitStatus.dataError
            }
        }
        return first
    }

    /// Reads a line from the terminal with echo off (getpass reads /dev/tty, not stdin).
    private func prompt(_ text: String) -> [UInt8] {
        guard let line = getpass(text) else { return [] }
        let bytes = Array(
            UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: strlen(line)))
        explicit_bzero(line, strlen(line))
        return bytes
    }
}

/// Writes a sealed file atomically with mode 0600, or prints why not and exits 69.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    do {
        try AtomicFile.write(bytes, to: path, mode: 0o600)
    } catch {
        printError("\(error)")
        throw ExitStatus.unavailable
    }
}
