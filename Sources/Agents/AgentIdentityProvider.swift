/// Gives a spawned agent its own identity, so that from inside its sandbox it can call the daemon as itself: a
/// directory holding its key (readable only by the agent's uid), its certificate chain and the trust bundle, kept
/// off the disk, renewed while the agent runs, and destroyed when it stops for good.
public protocol AgentIdentityProvider: Sendable {
    /// Issues (or keeps, when still current) the identity of `agent`, whose files the agent's uid and gid own;
    /// returns its directory on the host, which the agent's view shows read-only at the same path.
    func provide(agent: String, uid: UInt32, gid: UInt32) throws -> String

    /// The agent has stopped for good: its certificates stop working and its files are removed.
    func withdraw(agent: String)
}
