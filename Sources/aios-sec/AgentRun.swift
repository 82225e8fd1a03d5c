import Agents
import ArgumentParser
import Audit
import Foundation
import Policy
import Sandbox
import Secrets

/// Runs one command as an agent in the foreground (`sandbox run`, `secrets exec`): spawned by ``AgentSpawner``,
/// waited for, its exit recorded. Exits with the command's status.
struct AgentRun {
    let policy: SecurityPolicy
    let vault: KeyringVault
    let ledger: String
    let commandName: String
    let confinement: AgentSpawner.Confinement?

    func run(agent: String, command: [String]) throws -> Int32 {
        let ledger = self.ledger
        let spawner = AgentSpawner(
            policy: policy, vault: vault, confinement: confinement,
            action: commandName.replacingOccurrences(of: " ", with: "."),
            audit: { draft in try Self.append(draft, ledger: ledger) })
        for group in spawner.reclaimOrphans() {
            printError("\(commandName): reclaimed \(group), left by a killed launcher (recorded as agent_shutdown)")
        }
        let running: RunningAgent
        do {
            // The caller's own descriptors, a terminal included: this is the interactive way to run an agent. It
            // runs in a session of its own, so it cannot make that terminal its own or push input into it.
            running = try spawner.spawn(
                agent: agent, command: command, stdio: AgentSpawner.Stdio(input: 0, output: 1, error: 2))
        } catch {
            printError("\(commandName): \(error)")
            switch error {
            case .unknownAgent, .commandNotFound: throw ExitStatus.usage
            case .notRoot: throw ExitStatus.noPermission
            default: throw ExitStatus.unavailable
            }
        }
        let status = running.wait()
        try AuditTrail.record(
            [
                AuditDraft(
                    eventType: .agentShutdown, agent: agent, action: "agent.exit", target: running.executable,
                    capabilitiesUsed: [], result: status == 0 ? .success : .failure, riskLevel: .low,
                    details: .object([("exit_status", .number(Double(status))), ("reason", .string("exited"))]))
            ], ledger: ledger)
        return status
    }

    private static func append(_ draft: AuditDraft, ledger directory: String) throws {
        let ledger = try Ledger(directory: directory, signer: try AuditKeys.loadOrCreate(in: directory))
        defer { ledger.close() }
        if let error = ledger.append(contentsOf: [draft]).error { throw error }
    }
}
