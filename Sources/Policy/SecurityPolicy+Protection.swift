import Capabilities

extension SecurityPolicy {
    /// This policy with more protected paths — the daemon's real state directory, ledger and policy file, known
    /// only at start — excluded from every role's grant ceiling like the policy's own `protected_paths`, so no
    /// grant can ever reach them wherever the state lives.
    public func protecting(_ additional: [String]) -> SecurityPolicy {
        let new = additional.filter { !protectedPaths.contains($0) }
        guard !new.isEmpty else { return self }
        let exclusions = new.flatMap(PolicyLoader.exclusions(protecting:))
        let guarded = roles.map { role in
            RoleDefinition(
                name: role.name, capabilities: role.capabilities,
                ceiling: GrantCeiling(
                    allowed: role.ceiling.allowed,
                    excluded: role.ceiling.excluded + exclusions.filter { !role.ceiling.excluded.contains($0) }))
        }
        return SecurityPolicy(
            source: source, version: version, roles: guarded, agents: agents, tools: tools,
            protectedPaths: protectedPaths + new, secrets: secrets, rateLimit: rateLimit, sandbox: sandbox,
            firewall: firewall, ids: ids, emergency: emergency, analysis: analysis, packages: packages,
            accounts: accounts,
            warnings: warnings)
    }
}
