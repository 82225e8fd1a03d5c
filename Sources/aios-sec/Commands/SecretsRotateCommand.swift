import Agents
import ArgumentParser
import Audit
import Capabilities
import Foundation
import Policy
import Secrets

struct SecretsRotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Rotate a secret (or every secret whose schedule is due) from its source in the policy.",
        discussion: """
            The master and every agent's copy are updated in place (agents read the new value at once), copies'
            expiry is re-armed, and the previous value stays readable as NAME@previous only for the policy's
            grace period. Each rotation is audited (secret_rotation; never the value). --stdin takes the new
            value from standard input instead of the policy's source.
            """
    )

    @Argument(help: "The secret to rotate.") var name: String?
    @Flag(help: "Rotate every secret with a schedule that is due (for a timer).") var due = false
    @Flag(help: "Read the new value from standard input.") var stdin = false
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var vault: VaultOptions
    @OptionGroup var ledger: LedgerOptions

    func validate() throws {
        guard (name != nil) != due else { throw ValidationError("give a secret NAME or --due, not both") }
        guard !(stdin && due) else { throw ValidationError("--stdin rotates one named secret") }
    }

    func run() throws {
        try refuseCoreDumps()
        let loaded = try policy.load()
        let target = try vault.open()
        let recordPath = ledger.state.resolved + "/secrets/rotations.json"
        var record = try secretsCall { () throws(SecretsError) in try RotationRecord(path: recordPath) }
        let now = SystemClock().now()
        let names: [String]
        if let name {
            names = [name]
        } else {
            names = loaded.secrets.compactMap { rule in
                guard let every = rule.rotateEvery, record.isDue(rule.name, every: every.milliseconds, at: now) else {
                    return nil
                }
                return rule.name
            }
        }
        var failures = 0
        for secret in names {
            let draft: AuditDraft
            do {
                let outcome = try rotate(secret, policy: loaded, vault: target)
                try record.record(secret, at: now)
                print("rotated \(secret); agents updated: \(outcome.agents.joined(separator: ", "))")
                draft = Self.draft(secret, result: .success, trigger: due ? "schedule" : "manual", outcome: outcome)
            } catch {
                failures += 1
                printError("secrets rotate: \(secret): \(error)")
                draft = Self.draft(
                    secret, result: .failure, trigger: due ? "schedule" : "manual", outcome: nil,
                    reason: "\(error)")
            }
            try AuditTrail.record([draft], ledger: ledger.resolved)
        }
        if failures > 0 { throw ExitStatus.unavailable }
    }

    private func rotate(_ secret: String, policy: SecurityPolicy, vault: KeyringVault) throws(SecretsError)
        -> SecretRotation.Outcome
    {
        let rule = policy.secret(named: secret)
        let value: SecretBytes
        if stdin {
            var bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            value = SecretBytes(consuming: &bytes)
        } else {
            switch rule?.source {
            case .command(let words): value = try NewSecretValue.fromCommand(words)
            case .randomBytes(let count): value = NewSecretValue.random(bytes: count)
            case nil: throw .input("the policy gives '\(secret)' no rotation source")
            }
        }
        return try SecretRotation.rotate(
            secret, to: value, in: vault, graceSeconds: rule?.grace.map { UInt32(clamping: $0.milliseconds / 1000) },
            copyTTLSeconds: AgentSecrets.copyTTL(of: secret, in: policy))
    }

    static func draft(
        _ secret: String, result: AuditResult, trigger: String, outcome: SecretRotation.Outcome?, reason: String? = nil
    ) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [("trigger", .string(trigger))]
        if let outcome {
            details.append(("agents_updated", .array(outcome.agents.map { .string($0) })))
            details.append(("grace_seconds", outcome.graceSeconds.map { .number(Double($0)) } ?? .null))
        }
        if let reason { details.append(("reason", .string(reason))) }
        return AuditDraft(
            eventType: .secretRotation, agent: "aios-sec", action: "secret.rotate", target: "secret:\(secret)",
            result: result, riskLevel: .high, details: .object(details))
    }
}
