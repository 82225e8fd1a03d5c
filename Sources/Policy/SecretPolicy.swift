import Capabilities

/// How one secret is rotated: how often, where the new value comes from, how long the previous value stays
/// readable, and how long an agent's copy lives without being re-armed.
public struct SecretPolicy: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// Run this executable (absolute path, arguments as a list, no shell); its standard output, without a
        /// final newline, is the new value.
        case command([String])
        /// Generate this many random bytes (internal tokens), written as lowercase hex.
        case randomBytes(Int)
    }

    public let name: String
    public let rotateEvery: GrantDuration?
    public let source: Source?
    /// The previous value stays readable (as `NAME@previous`) this long after a rotation; nil: it is gone at once.
    public let grace: GrantDuration?
    /// Agents' copies expire this long after they are handed over or re-armed (a dead-man switch should the
    /// daemon die); nil: no expiry.
    public let agentCopyTTL: GrantDuration?

    public init(
        name: String, rotateEvery: GrantDuration?, source: Source?, grace: GrantDuration?,
        agentCopyTTL: GrantDuration?
    ) {
        self.name = name
        self.rotateEvery = rotateEvery
        self.source = source
        self.grace = grace
        self.agentCopyTTL = agentCopyTTL
    }
}

/// The uid and gid an agent's processes run as.
public struct AgentAccount: Sendable, Equatable {
    public let uid: UInt32
    public let gid: UInt32
}

/// The Gate's per-agent token bucket: calls a second on average, and the burst allowed on top.
public struct RateLimit: Sendable, Equatable {
    public let perSecond: Double
    public let burst: Double

    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Generous enough for any well-behaved agent, tight enough that a runaway one cannot flood the ledger.
    public static let `default` = RateLimit(perSecond: 200, burst: 400)
}
