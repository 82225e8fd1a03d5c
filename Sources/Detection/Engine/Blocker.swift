import Audit
import Policy

/// What the IDS calls to block a source: the firewall's timed blocklist (module Firewall implements it; the kernel
/// lifts the block when `duration` ends, so nothing has to remember to). Called on the thread that saw the event
/// that crossed the threshold, with no IDS lock held; it must be quick (an in-process netlink add, not a shell).
/// A throw is recorded as a failed block in the `security_alert`.
public protocol Blocker: Sendable {
    func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws

    /// Blocks a whole prefix (a brute force spread over an IPv6 /64).
    func block(prefix: IPPrefix, for duration: Duration, reason: String, evidence: IntrusionAlert) throws

    /// Why `source` must not be blocked on spoofable evidence (an address the machine depends on: a DNS server,
    /// a gateway, a learnt allowed destination), or nil.
    func protection(of source: IPAddress) -> String?

    /// Whether `source` recently completed a TCP handshake with this machine (so its address is not forged).
    func hasCompletedHandshake(_ source: IPAddress) -> Bool
}

extension Blocker {
    public func protection(of source: IPAddress) -> String? { nil }

    /// A blocker that cannot tell: no source counts as proven.
    public func hasCompletedHandshake(_ source: IPAddress) -> Bool { false }

    /// A blocker without prefix blocks: the failure is recorded in the alert.
    public func block(prefix: IPPrefix, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        throw DetectionError.unavailable("this blocker cannot block a prefix (\(prefix))")
    }
}

/// Where the IDS records each detection: the ledger's append (`security_alert` drafts).
public typealias AuditSink = @Sendable (AuditDraft) throws -> Void
