import ArgumentParser
import Audit
import Capabilities
import Foundation
import Policy
import Sandbox
import Secrets

struct SecretsExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command with exactly the keyring an agent gets: copies of the secrets it may read.",
        discussion: """
            The command runs as the agent's uid (from the policy) in a new session keyring that holds the agent's
            keyring of copies — read-only to it — and nothing else, with no_new_privs. Inside, `keyctl show @s`
            lists what the agent can read and `keyctl print %user:aios:secret:NAME` reads one. Needs root (to
            change uid). Exits with the command's status.
            """
    )

    @Option(help: "The agent whose keyring to use.") var agent: String
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var vault: VaultOptions
    @OptionGroup var ledger: LedgerOptions
    @Argument(parsing: .postTerminator, help: "The command and its arguments.") var command: [String]

    func run() throws {
        try refuseCoreDumps()
        let launcher = AgentLauncher(
            agent: agent, policy: try policy.load(), vault: try vault.open(), ledger: ledger.resolved,
            commandName: "secrets exec")
        throw ExitCode(try launcher.run(command, confinement: nil))
    }

    /// An absolute path as given, or the first match in PATH.
    static func resolve(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}

/// Which of the vault's secrets an agent may read, per its capabilities (`secret:read:NAME`).
enum AgentSecrets {
    static func readable(by agent: AgentName, in vault: KeyringVault, policy: SecurityPolicy) throws(SecretsError)
        -> [String]
    {
        let capabilities = policy.authority().capabilitySet()
        let now = SystemClock().now()
        return try vault.list().map(\.name).filter { name in
            !name.hasSuffix(SecretRotation.previousSuffix)
                && (try? AccessRequest(namespace: "secret", action: "read", resource: name)).map {
                    capabilities.check($0, for: agent, at: now).isAllowed
                } == true
        }
    }

    static func copyTTL(of name: String, in policy: SecurityPolicy) -> UInt32? {
        policy.secret(named: name)?.agentCopyTTL.map { UInt32(clamping: $0.milliseconds / 1000) }
    }
}

/// Runs a Secrets call, printing its error and exiting 69 on failure.
func secretsCall<T>(_ body: () throws(SecretsError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("secrets: \(error)")
        throw ExitStatus.unavailable
    }
}
