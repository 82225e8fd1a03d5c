import Agents
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
        let run = AgentRun(
            policy: try policy.load(), vault: try vault.open(), ledger: ledger.resolved, commandName: "secrets exec",
            confinement: nil)
        throw ExitCode(try run.run(agent: agent, command: command))
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
