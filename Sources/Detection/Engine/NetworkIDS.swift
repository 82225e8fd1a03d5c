import Audit
import Capabilities
import Policy
import Synchronization

/// The live network IDS: event sources feed it (sshd's log lines from a ``LogTail``, kernel connection attempts
/// from an ``NFLogReader``, the daemon's own authentication failures); it runs the rules, blocks through the
/// ``Blocker`` and records every detection as a `security_alert` through the ``AuditSink``.
///
/// Thread-safe: sources call it from their own threads. Rules are decided under a lock; the block and the audit
/// record run after it is released, on the caller's thread, so a slow ledger never stalls another source — and
/// the block comes before the record, so it is never later than the time a write takes.
public final class NetworkIDS: Sendable {
    public let policy: IDSPolicy
    private let rules: Mutex<DetectionRules>
    private let blocker: any Blocker
    private let audit: AuditSink
    private let clock: any SecurityClock
    private let counters = Mutex(IDSStatistics())

    public init(policy: IDSPolicy, blocker: any Blocker, audit: @escaping AuditSink, clock: any SecurityClock) {
        self.policy = policy
        self.blocker = blocker
        self.audit = audit
        self.clock = clock
        let year = Int(clock.now().rfc3339.prefix(4)) ?? 1970
        rules = Mutex(DetectionRules(policy: policy, classicYear: year))
    }

    /// One line of sshd's log, timed now.
    public func ingestAuthLogLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        let now = clock.now()
        let alert = rules.withLock { $0.ingestAuthLine(bytes, receivedAt: now) }
        if let alert { respond(to: alert) }
    }

    /// One inbound connection attempt from the kernel, timed now.
    public func ingest(_ attempt: ConnectionAttempt) {
        let now = clock.now()
        for alert in rules.withLock({ $0.ingest(attempt, now: now) }) { respond(to: alert) }
    }

    /// One failed authentication at this product's own doors (an mTLS handshake without a valid identity, a
    /// console login): the daemon calls this per failure, with the peer's address and a one-line description.
    public func recordAuthenticationFailure(from source: IPAddress, channel: String, detail: String) {
        let now = clock.now()
        let attempt = FailedAttempt(source: source, time: now, evidence: "\(now.rfc3339) \(channel): \(detail)")
        let alert = rules.withLock { $0.recordAuthenticationFailure(attempt, now: now) }
        if let alert { respond(to: alert) }
    }

    /// Counts username probes whose connection never logged its end; sources call it about once a second.
    public func expireProbes() {
        let now = clock.now()
        for alert in rules.withLock({ $0.expireProbes(now: now) }) { respond(to: alert) }
    }

    /// Follows the firewall's open ports (dynamic rules open and close them).
    public func setOpenPorts(_ ports: Set<UInt16>) { rules.withLock { $0.setOpenPorts(ports) } }

    public var statistics: IDSStatistics {
        var statistics = counters.withLock { $0 }
        statistics.lines = rules.withLock { $0.counts }
        return statistics
    }

    /// Adds what a source lost (kernel drops, buffer overruns) to the statistics the daemon reports.
    public func recordDropped(_ count: Int) { counters.withLock { $0.droppedEvents += count } }

    private func respond(to detected: IntrusionAlert) {
        var alert = detected
        var outcome = IntrusionAlert.Outcome.alerted
        if case .block(let duration) = alert.response {
            if policy.isAllowListed(alert.source) {
                alert.response = .alertOnly(reason: "allow-listed source (management subnet or loopback); not blocked")
            } else {
                do {
                    try blocker.block(
                        alert.source, for: .milliseconds(duration.milliseconds), reason: alert.summary, evidence: alert)
                    outcome = .blocked
                } catch {
                    outcome = .blockFailed("\(error)")
                }
            }
        }
        var auditError: String? = nil
        do {
            try audit(alert.auditDraft(outcome: outcome))
        } catch {
            auditError = "\(error)"
        }
        counters.withLock { statistics in
            statistics.alerts += 1
            if outcome == .blocked { statistics.blocks += 1 }
            if case .blockFailed = outcome { statistics.blockFailures += 1 }
            if let auditError {
                statistics.auditFailures += 1
                statistics.lastAuditError = auditError
            }
        }
    }
}

/// What the IDS has seen and done since it started.
public struct IDSStatistics: Hashable, Sendable {
    public var lines = LineCounts()
    public var alerts = 0
    public var blocks = 0
    public var blockFailures = 0
    public var auditFailures = 0
    public var lastAuditError: String?
    /// Events the sources know they lost (NFLOG sequence gaps, ENOBUFS overruns): never silently zero.
    public var droppedEvents = 0
}
