/// What happened: one kind for every line of the spec's "What Gets Audited", plus security alerts, the
/// emergency stop and the life of credentials (secret rotations, certificates issued, renewed, revoked). A closed set, so a query for a kind that does not exist is an error, not an empty answer.
public enum AuditEventType: String, CaseIterable, Hashable, Sendable, Codable {
    /// A tool call (who, what, when, why) — the decision and its result.
    case toolCall = "tool_call"
    case capabilityGrant = "capability_grant"
    case capabilityRevoke = "capability_revoke"
    case agentSpawn = "agent_spawn"
    case agentShutdown = "agent_shutdown"
    /// An external API call.
    case apiCall = "api_call"
    /// A network connection, inbound or outbound.
    case networkConnection = "network_connection"
    case fileModification = "file_modification"
    case authentication
    case policyChange = "policy_change"
    case securityAlert = "security_alert"
    /// The emergency stop, manual mode and resume (refused resumes too).
    case emergency
    /// A person logged in on the SSH console (or the session ended).
    case humanSession = "human_session"
    /// A program a person's SSH session ran (argv, cwd, uid), from the kernel's process events.
    case humanCommand = "human_command"
    /// A process on the host started, ran a program, changed credentials or ended, as the kernel reported it: served
    /// by the events API from memory; the ledger keeps only the alerts such events raise.
    case process
    /// A secret rotated (never its value).
    case secretRotation = "secret_rotation"
    /// A certificate issued, renewed or revoked, or a CA created or rotated.
    case certificate
}

/// How an audited action ended.
public enum AuditResult: String, CaseIterable, Hashable, Sendable, Codable {
    case success
    case failure
    case denied
    case error
    /// Waiting (for example for the orchestrator's confirmation of a high-risk call).
    case pending
}
