import Capabilities
import Policy
import Secrets

/// Which of the vault's secrets an agent may read, per its capabilities (`secret:read:NAME`).
public enum AgentSecrets {
    public static func readable(by agent: AgentName, in vault: KeyringVault, policy: SecurityPolicy)
        throws(SecretsError) -> [String]
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

    public static func copyTTL(of name: String, in policy: SecurityPolicy) -> UInt32? {
        policy.secret(named: name)?.agentCopyTTL.map { UInt32(clamping: $0.milliseconds / 1000) }
    }
}
