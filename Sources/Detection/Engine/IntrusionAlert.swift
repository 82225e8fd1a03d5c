import Capabilities
import Policy

/// The evidence record of one detection: what fired, against whom, when, on what evidence, and what was done. It
/// becomes one audited `security_alert` and, unless the source is allow-listed, one block.
public struct IntrusionAlert: Hashable, Sendable {
    public enum Response: Hashable, Sendable {
        /// Block the source for this long.
        case block(GrantDuration)
        /// Record only: the source is allow-listed (or the rule only alerts).
        case alertOnly(reason: String)
    }

    public let rule: IDSRule
    public let source: IPAddress
    /// When the detection was made: the time of the event that crossed the threshold.
    public let time: Timestamp
    /// When the threshold was met (the last counted event in the window; earlier than ``time`` when a username
    /// probe is only known to have failed once its connection ends).
    public let thresholdMetAt: Timestamp
    /// One line per counted event: log lines, or `tcp 192.0.2.9:40000 -> 192.0.2.1:23` for packets.
    public let evidence: [String]
    /// The destination ports involved (scans, unexpected ports), ascending.
    public let ports: [UInt16]
    /// One sentence: `5 failed SSH login attempts within 10m`.
    public let summary: String
    public var response: Response
    /// Set when the alert is about a block of addresses (a brute force spread over an IPv6 /64): ``source`` is the
    /// block's first address, and a block covers the whole prefix.
    public let prefix: IPPrefix?

    public init(
        rule: IDSRule, source: IPAddress, time: Timestamp, thresholdMetAt: Timestamp, evidence: [String],
        ports: [UInt16] = [], summary: String, response: Response, prefix: IPPrefix? = nil
    ) {
        self.rule = rule
        self.source = source
        self.time = time
        self.thresholdMetAt = thresholdMetAt
        self.evidence = evidence
        self.ports = ports
        self.summary = summary
        self.response = response
        self.prefix = prefix
    }

    /// What the alert names: the source address, or the prefix.
    public var subject: String { prefix?.description ?? source.description }

    /// The block length, if the response is a block.
    public var blockDuration: GrantDuration? {
        if case .block(let duration) = response { return duration }
        return nil
    }
}
