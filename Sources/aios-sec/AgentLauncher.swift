import ArgumentParser
import Audit
import Capabilities
import Foundation
import Policy
import Sandbox
import Secrets

/// Starts a command as an agent: its uid, its own session keyring holding copies of the secrets it may read,
/// `no_new_privs`, and — when confined — its cgroup (joined before exec) and Landlock rules from its `fs:`
/// capabilities. Fails closed: if any step cannot be applied the command never runs, and the refusal is audited.
struct AgentLauncher {
    struct Confinement {
        let layout: CgroupLayout
        let cgroupParent: String
        let limits: CgroupLimits
    }

    let agent: String
    let policy: SecurityPolicy
    let vault: KeyringVault
    let ledger: String
    let commandName: String

    /// Runs `command` to completion; returns its exit status.
    func run(_ command: [String], confinement: Confinement?) throws -> Int32 {
        let agentName = AgentName(agent)
        guard let account = policy.accounts[agentName] else {
            printError("\(commandName): no agent '\(agent)' in \(policy.source)")
            throw ExitStatus.usage
        }
        guard geteuid() == 0 else {
            printError("\(commandName): needs root, to run as agent '\(agent)' (uid \(account.uid))")
            throw ExitStatus.noPermission
        }
        guard let executable = SecretsExecCommand.resolve(command.first ?? "") else {
            printError("\(commandName): command not found: \(command.first ?? "(none)")")
            throw ExitStatus.usage
        }
        let target = vault
        let (ring, secrets) = try secretsCall { () throws(SecretsError) in
            let readable = try AgentSecrets.readable(by: agentName, in: target, policy: policy)
            let ring = try AgentKeyring.openOrCreate(agent: agent, in: target)
            try ring.provide(readable, from: target, ttl: { AgentSecrets.copyTTL(of: $0, in: policy) })
            return (ring, readable)
        }
        let capabilities = policy.authority().capabilitySet().holdings(of: agentName).map(\.capability)
        let rules = confinement.map { _ in LandlockRule.compile(capabilities) }
        let seccomp: SeccompFilter?
        if confinement != nil {
            do {
                seccomp = try SeccompFilter.agent.get()
            } catch {
                try record(
                    .failure, executable: executable, account: account, secrets: secrets, rules: rules,
                    reason: "\(error)")
                printError("\(commandName): not started: \(error)")
                throw ExitStatus.unavailable
            }
        } else {
            seccomp = nil
        }
        var cgroup: AgentCgroup? = nil
        defer {
            if let cgroup {
                try? cgroup.kill()
                cgroup.remove()
            }
        }
        do {
            if let confinement {
                cgroup = try AgentCgroup(
                    layout: confinement.layout, parent: confinement.cgroupParent,
                    name: "agent-\(agent)-\(getpid())", limits: confinement.limits)
            }
            let child = try PendingProcess(
                LaunchSpec(
                    executable: executable, arguments: command,
                    environment: ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", "AIOS_AGENT=\(agent)"],
                    identity: (account.uid, account.gid), ownSessionKeyring: true, landlock: rules,
                    namespaces: confinement == nil ? [] : .agent, seccomp: seccomp))
            do {
                try cgroup?.add(pid: child.pid)
                try ring.link(into: KeySerial(rawValue: child.sessionKeyring))
            } catch {
                child.abandon()
                throw error
            }
            try record(.success, executable: executable, account: account, secrets: secrets, rules: rules, reason: nil)
            do {
                try child.release()
            } catch {
                _ = child.wait()
                throw error
            }
            return child.wait()
        } catch let error as ExitCode {
            throw error
        } catch {
            try record(
                .failure, executable: executable, account: account, secrets: secrets, rules: rules, reason: "\(error)")
            printError("\(commandName): not started: \(error)")
            throw ExitStatus.unavailable
        }
    }

    private func record(
        _ result: AuditResult, executable: String, account: AgentAccount, secrets: [String], rules: [LandlockRule]?,
        reason: String?
    ) throws {
        var details: [(key: String, value: JSONValue)] = [
            ("uid", .number(Double(account.uid))), ("secrets", .array(secrets.map { .string($0) })),
            ("confined", .bool(rules != nil)),
        ]
        if let rules { details.append(("landlock_rules", .number(Double(rules.count)))) }
        if let reason { details.append(("reason", .string(reason))) }
        try AuditTrail.record(
            [
                AuditDraft(
                    eventType: .agentSpawn, agent: agent, action: commandName.replacingOccurrences(of: " ", with: "."),
                    target: executable, capabilitiesUsed: secrets.map { "secret:read:\($0)" }, result: result,
                    riskLevel: .medium, details: .object(details))
            ], ledger: ledger)
    }
}
