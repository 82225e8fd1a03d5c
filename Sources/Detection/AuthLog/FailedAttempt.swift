import Capabilities
import Policy

/// One failed authentication attempt from a source: the unit a brute-force rule counts.
public struct FailedAttempt: Hashable, Sendable {
    public let source: IPAddress
    /// When the attempt failed (for a username probe: when sshd logged `Invalid user`).
    public let time: Timestamp
    /// The line that shows it, or the product's own description of the failure.
    public let evidence: String

    public init(source: IPAddress, time: Timestamp, evidence: String) {
        self.source = source
        self.time = time
        self.evidence = evidence
    }
}
