import Capabilities

/// The agents' egress proxy (`egress:`): each agent's bounds, what happens to open connections when the capability
/// that allowed them ends, and when a large upload is an alert.
public struct EgressPolicy: Sendable, Equatable {
    /// What an open connection does when its capability ends (a revoked or expired grant, an emergency stop).
    public enum OnRevoke: String, Sendable, Equatable {
        /// Closed within a second (the default).
        case close
        /// Left to run to its end; only new connections are refused.
        case keep
    }

    /// Connections one agent may have open at once.
    public var openPerAgent = 256
    /// Connections open at once, all agents together (each holds two of the daemon's descriptors).
    public var openTotal = 4_096
    /// New connections one agent may start in a minute (a sliding window).
    public var newPerMinute = 1_200
    /// Bytes one agent may send out in an hour (a sliding window of minutes); past it, its open connections are
    /// cut and new ones refused until the window has room. nil: no bound.
    public var uploadPerHour: ByteSize? = ByteSize(bytes: 10 << 30)
    /// A connection with no byte either way for this long is closed. nil: never.
    public var idleTimeout: GrantDuration? = .seconds(900)
    public var onRevoke = OnRevoke.close
    /// A connection that has sent this much to a destination the agent first reached less than
    /// ``alertNewFor`` ago is a `security_alert` (`ids.egress_upload`), once per connection. nil: no alert.
    public var alertUpload: ByteSize? = ByteSize(bytes: 64 << 20)
    public var alertNewFor: GrantDuration = .seconds(86_400)

    public init() {}

    public static let `default` = EgressPolicy()
}
