import Audit
import Capabilities
import Policy
import Synchronization

/// The live network IDS: event sources feed it (sshd's log lines from a ``LogTail``, kernel connection attempts
/// from an ``NFLogReader``, the daemon's own authentication failures); it runs the rules, blocks through the
/// ``Blocker`` and records every detection as a `security_alert` through the ``AuditSink`` — one by one up to
/// the policy's number per rule and window, then as one summary per window (``AlertAggregator``).
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
    private let aggregator: Mutex<AlertAggregator>

    public init(policy: IDSPolicy, blocker: any Blocker, audit: @escaping AuditSink, clock: any SecurityClock) {
        self.policy = policy
        self.blocker = blocker
        self.audit = audit
        self.clock = clock
        let year = Int(clock.now().rfc3339.prefix(4)) ?? 1970
        rules = Mutex(DetectionRules(policy: policy, classicYear: year))
        aggregator = Mutex(AlertAggregator(individually: policy.alertsPerWindow, window: policy.alertWindow))
    }

    /// One line of sshd's log, timed now.
    public func ingestAuthLogLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        let now = clock.now()
        let (alerts, logins) = rules.withLock { ($0.ingestAuthLine(bytes, receivedAt: now), $0.takeAcceptedLogins()) }
        for alert in alerts { respond(to: alert, now: now) }
        record(logins.compactMap(SSHLoginAudit.draft))
    }

    /// One of sshd's messages from the journal (the sender's pid from journald), timed when read.
    public func ingestSSHDMessage(_ bytes: UnsafeBufferPointer<UInt8>, pid: Int32?) {
        let now = clock.now()
        let (alerts, logins) = rules.withLock {
            ($0.ingestSSHDMessage(bytes, pid: pid, now: now), $0.takeAcceptedLogins())
        }
        for alert in alerts { respond(to: alert, now: now) }
        record(logins.compactMap(SSHLoginAudit.draft))
    }

    /// One inbound connection attempt from the kernel, timed now.
    public func ingest(_ attempt: ConnectionAttempt) {
        let now = clock.now()
        for alert in rules.withLock({ $0.ingest(attempt, now: now) }) { respond(to: alert, now: now) }
    }

    /// One failed authentication at this product's own doors (an mTLS handshake without a valid identity, a
    /// console login): the daemon calls this per failure, with the peer's address and a one-line description.
    public func recordAuthenticationFailure(from source: IPAddress, channel: String, detail: String) {
        let now = clock.now()
        let attempt = FailedAttempt(source: source, time: now, evidence: "\(now.rfc3339) \(channel): \(detail)")
        let alert = rules.withLock { $0.recordAuthenticationFailure(attempt, now: now) }
        if let alert { respond(to: alert, now: now) }
    }

    /// Counts username probes whose connection never logged its end and records the alert windows that ended;
    /// sources call it about once a second.
    public func expireProbes() {
        let now = clock.now()
        for alert in rules.withLock({ $0.expireProbes(now: now) }) { respond(to: alert, now: now) }
        record(aggregator.withLock { $0.close(now: now) })
    }

    /// Records the summaries of every open alert window (at shutdown).
    public func flushAlerts() { record(aggregator.withLock { $0.close(now: nil) }) }

    /// Follows the firewall's open ports (dynamic rules open and close them).
    public func setOpenPorts(_ ports: Set<UInt16>) { rules.withLock { $0.setOpenPorts(ports) } }

    /// Sources the packet rules hold now (scan footprints and unexpected-port quiet times): bounded by policy.
    public var trackedSources: Int {
        rules.withLock { $0.portScan.trackedSources + $0.unexpectedPorts.trackedSources }
    }

    public var statistics: IDSStatistics {
        var statistics = counters.withLock { $0 }
        statistics.lines = rules.withLock { $0.counts }
        return statistics
    }

    /// What a source lost (kernel drops, buffer overruns): counted, and recorded as an `ids.event_loss` alert —
    /// the first loss of a window at once, the rest in the window's summary.
    public func recordDropped(_ count: Int, source: String = "nflog") {
        counters.withLock { $0.droppedEvents += count }
        let now = clock.now()
        let draft = aggregator.withLock { $0.recordLoss(count, source: source, now: now) }
        record(draft.map { [$0] } ?? [])
    }

    private func respond(to detected: IntrusionAlert, now: Timestamp) {
        var alert = detected
        alert.response = decide(alert)
        var outcome = IntrusionAlert.Outcome.alerted
        if case .block(let duration) = alert.response {
            do {
                let length = Duration.milliseconds(duration.milliseconds)
                if let prefix = alert.prefix {
                    try blocker.block(prefix: prefix, for: length, reason: alert.summary, evidence: alert)
                } else {
                    try blocker.block(alert.source, for: length, reason: alert.summary, evidence: alert)
                }
                outcome = .blocked
            } catch {
                outcome = .blockFailed("\(error)")
            }
        }
        let (closed, individually) = aggregator.withLock { aggregator in
            (aggregator.close(now: now), aggregator.admit(alert, outcome: outcome, now: now))
        }
        record(closed + (individually ? [alert.auditDraft(outcome: outcome)] : []))
        counters.withLock { statistics in
            statistics.alerts += 1
            if !individually { statistics.aggregatedAlerts += 1 }
            if outcome == .blocked { statistics.blocks += 1 }
            if case .blockFailed = outcome { statistics.blockFailures += 1 }
        }
    }

    /// What policy lets the alert do: never block the allow-listed, and on evidence a forged source address can
    /// make, never the addresses the machine depends on and only as long as ``IDSPolicy/spoofable`` allows.
    private func decide(_ alert: IntrusionAlert) -> IntrusionAlert.Response {
        guard case .block(let duration) = alert.response else { return alert.response }
        if policy.isAllowListed(alert) {
            return .alertOnly(reason: "allow-listed source (management subnet or loopback); not blocked")
        }
        guard alert.rule.isSpoofable else { return alert.response }
        if let why = blocker.protection(of: alert.source) {
            return .alertOnly(
                reason: "\(alert.source) is \(why), and a forged packet can make this evidence; not blocked")
        }
        switch policy.spoofable {
        case .alertOnly:
            return .alertOnly(reason: "policy: evidence a forged packet can make (bare SYNs) is alerted, not blocked")
        case .shortBlock(let longest):
            return .block(min(duration, longest))
        case .blockAfterHandshake(let longest):
            guard blocker.hasCompletedHandshake(alert.source) else {
                return .alertOnly(
                    reason: "no completed TCP handshake from \(alert.source): its address may be forged; not blocked")
            }
            return .block(min(duration, longest))
        }
    }

    private func record(_ drafts: [AuditDraft]) {
        for draft in drafts {
            do {
                try audit(draft)
            } catch {
                counters.withLock { statistics in
                    statistics.auditFailures += 1
                    statistics.lastAuditError = "\(error)"
                }
            }
        }
    }
}

extension IDSPolicy {
    /// Whether the alert's source (or any address of its prefix) is allow-listed.
    func isAllowListed(_ alert: IntrusionAlert) -> Bool {
        guard let prefix = alert.prefix else { return isAllowListed(alert.source) }
        return allowlist.contains { $0.overlaps(prefix) }
    }
}

/// What the IDS has seen and done since it started.
public struct IDSStatistics: Hashable, Sendable {
    public var lines = LineCounts()
    public var alerts = 0
    /// Alerts recorded only in their window's summary (past the policy's number per rule and window).
    public var aggregatedAlerts = 0
    public var blocks = 0
    public var blockFailures = 0
    public var auditFailures = 0
    public var lastAuditError: String?
    /// Events the sources know they lost (NFLOG sequence gaps, ENOBUFS overruns): never silently zero.
    public var droppedEvents = 0
}
