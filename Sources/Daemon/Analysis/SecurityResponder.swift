import Audit
import Capabilities
import Foundation
import Policy

/// Carries out the `sec.*` tools — the security responses — once the Gate has allowed them: for the analysis
/// loop acting on a validated verdict, and for the security agent calling them itself. Never the emergency stop
/// (only humans press it), never an address the IDS must not block (loopback, management subnets, the policy's
/// allow-list, and what the machine depends on — DNS servers, gateways, learnt allowed destinations: a forged event
/// must not cut the operators or the machine off), never a revocation an agent decided alone.
struct SecurityResponder: Sendable {
    let core: DaemonCore
    let workers: Workers

    static let tools: Set<String> = [
        "sec.block_address", "sec.freeze_agent", "sec.stop_agent", "sec.revoke_grant", "sec.kill_task",
        "sec.raise_alert",
    ]
    static let blockDuration: Duration = .seconds(3_600)

    static func runs(_ tool: String) -> Bool { tools.contains(tool) }

    /// `confirmed`: the orchestrator or an operator approved this call (the Gate asked them).
    func run(tool: String, arguments: [String: String], for agent: String, confirmed: Bool) async -> BrokerResult {
        let reason = String((arguments["reason"] ?? arguments["message"] ?? "").prefix(1_024))
        switch tool {
        case "sec.block_address": return block(arguments["address"] ?? "", by: agent, reason: reason)
        case "sec.freeze_agent":
            guard let freezer = workers.freezer else { return .failure(.unavailable, "no agent cgroups to freeze") }
            do {
                try freezer.freeze(agent: arguments["agent"] ?? "", cgroup: nil)
                return .success([], ["frozen": .string(arguments["agent"] ?? "")])
            } catch {
                return .failure(.failedPrecondition, "cannot freeze: \(error)")
            }
        case "sec.stop_agent":
            guard let agents = workers.agents else { return .failure(.unavailable, "this daemon runs no agents") }
            do {
                _ = try await agents.stop(agent: arguments["agent"] ?? "")
                return .success([], ["stopped": .string(arguments["agent"] ?? "")])
            } catch {
                return .failure(.failedPrecondition, "cannot stop: \(error)")
            }
        case "sec.revoke_grant": return await revoke(arguments["grant"] ?? "", by: agent, confirmed: confirmed)
        case "sec.kill_task":
            guard let tasks = workers.tasks else { return .failure(.unavailable, "this daemon runs no tasks") }
            do {
                try tasks.kill(container: arguments["task"] ?? "")
                return .success([], ["killed": .string(arguments["task"] ?? "")])
            } catch {
                return .failure(.failedPrecondition, "cannot kill: \(error)")
            }
        case "sec.raise_alert":
            await core.recordOrReport(
                AuditDraft(
                    eventType: .securityAlert, agent: agent, action: "alert.raise", target: arguments["name"] ?? "",
                    result: .success, riskLevel: .high, details: .object([("message", .string(reason))])))
            return .success()
        default: return .failure(.unimplemented, "'\(tool)' is not a security response")
        }
    }

    private func block(_ text: String, by agent: String, reason: String) -> BrokerResult {
        guard let address = IPAddress(text) else {
            return .failure(.invalidArgument, "'\(text.prefix(64))' is not an address")
        }
        if core.policy.ids.isAllowListed(address) {
            return .failure(
                .permissionDenied, "\(address) is on the IDS allow-list (loopback, management): never blocked")
        }
        guard let firewall = workers.firewall else { return .failure(.unavailable, "the firewall is not managed here") }
        // What the IDS will not block on spoofable evidence, neither will a verdict made from the same events.
        if let protection = firewall.criticalAddresses.reason(for: address) {
            return .failure(.permissionDenied, "\(address) is not blocked: \(protection)")
        }
        do {
            try firewall.block(address, for: Self.blockDuration, by: agent, reason: reason)
            return .success([], ["blocked": .string(address.description), "seconds": .int(3_600)])
        } catch {
            return .failure(.failedPrecondition, "cannot block: \(error)")
        }
    }

    /// An agent never takes authority away on its own (no principal of its kind may revoke): a revocation runs
    /// only on the confirmation of the orchestrator or an operator, and on that authority.
    private func revoke(_ id: String, by agent: String, confirmed: Bool) async -> BrokerResult {
        guard confirmed else {
            return .failure(.permissionDenied, "a revocation asked for by \(agent) needs a confirmation (risk: high)")
        }
        switch core.authority.revoke(
            GrantID(id), reason: "security response by \(agent)", by: .orchestrator, at: core.clock.now())
        {
        case .refused(let refusal): return .failure(.failedPrecondition, refusal.description)
        case .revoked(let grants):
            for grant in grants {
                await core.recordOrReport(GrantAudit.revoked(grant, by: "\(agent) (confirmed)"))
            }
            return .success([], ["revoked": .int(grants.count)])
        }
    }
}
