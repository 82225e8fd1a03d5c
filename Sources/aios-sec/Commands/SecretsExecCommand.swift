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
        let loaded = try policy.load()
        let agentName = AgentName(agent)
        guard let account = loaded.accounts[agentName] else {
            printError("secrets exec: no agent '\(agent)' in \(loaded.source)")
            throw ExitStatus.usage
        }
        guard geteuid() == 0 else {
            printError("secrets exec: needs root, to run as agent '\(agent)' (uid \(account.uid))")
            throw ExitStatus.noPermission
        }
        guard let executable = Self.resolve(command.first ?? "") else {
            printError("secrets exec: command not found: \(command.first ?? "(none)")")
            throw ExitStatus.usage
        }
        let target = try vault.open()
        let handedOver = try secretsCall { () throws(SecretsError) in
            let readable = try AgentSecrets.readable(by: agentName, in: target, policy: loaded)
            let ring = try AgentKeyring.openOrCreate(agent: agent, in: target)
            try ring.provide(readable, from: target, ttl: { AgentSecrets.copyTTL(of: $0, in: loaded) })
            return (ring, readable)
        }
        let child: PendingProcess
        do {
            child = try PendingProcess(
                LaunchSpec(
                    executable: executable, arguments: command,
                    environment: ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", "AIOS_AGENT=\(agent)"],
                    identity: (account.uid, account.gid), ownSessionKeyring: true))
        } catch {
            printError("secrets exec: \(error)")
            throw ExitStatus.unavailable
        }
        do {
            try handedOver.0.link(into: KeySerial(rawValue: child.sessionKeyring))
        } catch {
            child.abandon()
            printError("secrets exec: \(error)")
            throw ExitStatus.unavailable
        }
        try AuditTrail.record(
            [
                AuditDraft(
                    eventType: .agentSpawn, agent: agent, action: "secrets.exec", target: executable,
                    capabilitiesUsed: handedOver.1.map { "secret:read:\($0)" }, result: .success, riskLevel: .medium,
                    details: .object([
                        ("uid", .number(Double(account.uid))), ("secrets", .array(handedOver.1.map { .string($0) })),
                    ]))
            ], ledger: ledger.resolved)
        do {
            try child.release()
        } catch {
            _ = child.wait()
            printError("secrets exec: \(error)")
            throw ExitStatus.unavailable
        }
        throw ExitCode(child.wait())
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
