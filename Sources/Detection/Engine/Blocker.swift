import Audit
import Policy

/// What the IDS calls to block a source: the firewall's timed blocklist (module Firewall implements it; the kernel
/// lifts the block when `duration` ends, so nothing has to remember to). Called on the thread that saw the event
/// that crossed the threshold, with no IDS lock held; it must be quick (an in-process netlink add, not a shell).
/// A throw is recorded as a failed block in the `security_alert`.
public protocol Blocker: Sendable {
    func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws
}

/// Where the IDS records each detection: the ledger's append (`security_alert` drafts).
public typealias AuditSink = @Sendable (AuditDraft) throws -> Void
