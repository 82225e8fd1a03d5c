import Capabilities
import Policy

/// Every rule of one IDS, with the state that feeds them: pure, no I/O, time given by the caller. The live engine
/// (``NetworkIDS``) holds one under a lock; a replay (``AuthLogReplay``) owns one outright.
public struct DetectionRules: Sendable {
    public private(set) var parser: AuthLogParser
    var tracker = AttemptTracker()
    public private(set) var bruteForce: BruteForceRule
    /// The same threshold per prefix (an IPv6 /64), when policy counts per prefix.
    public private(set) var bruteForcePrefixes: BruteForceRule?
    public private(set) var authenticationFailures: BruteForceRule
    public private(set) var portScan: PortScanRule
    public private(set) var unexpectedPorts: UnexpectedPortRule
    public private(set) var counts = LineCounts()
    /// Successful logins read since the last ``takeAcceptedLogins()`` (at most ``maximumPendingLogins``; more are
    /// counted in ``LineCounts/droppedLogins``).
    private var acceptedLogins: [SSHDEvent] = []
    static let maximumPendingLogins = 1024

    public init(policy: IDSPolicy, classicYear: Int) {
        parser = AuthLogParser(classicYear: classicYear)
        let capacity = policy.trackedSources
        bruteForce = BruteForceRule(threshold: policy.bruteForce, capacity: capacity)
        if policy.bruteForcePrefix.isEnabled {
            bruteForcePrefixes = BruteForceRule(
                threshold: policy.bruteForce, prefixLength: policy.bruteForcePrefix, capacity: capacity)
        }
        authenticationFailures = BruteForceRule(
            rule: .authenticationFailures, threshold: policy.authenticationFailures, capacity: capacity)
        portScan = PortScanRule(threshold: policy.portScan, capacity: capacity)
        unexpectedPorts = UnexpectedPortRule(
            openPorts: Set(policy.openPorts), window: policy.portScan.window, blockFor: policy.unexpectedPortBlock,
            capacity: capacity)
    }

    /// Parses one auth-log line and runs the brute-force rule on the attempt it completes. `receivedAt` set: the
    /// live path — the line is timed when read (a log's clock and zone are not trusted), `now` is that time.
    /// `receivedAt` nil: a replay — the line's own timestamp is the clock.
    public mutating func ingestAuthLine(_ bytes: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp?) -> [IntrusionAlert]
    {
        track(parser.parse(bytes, receivedAt: receivedAt), bytes, receivedAt: receivedAt)
    }

    /// One of sshd's messages as the journal holds it (no syslog header; the sender's pid from journald), timed
    /// `now`, when it was read.
    public mutating func ingestSSHDMessage(_ bytes: UnsafeBufferPointer<UInt8>, pid: Int32?, now: Timestamp)
        -> [IntrusionAlert]
    {
        track(AuthLogParser.message(bytes, pid: pid, time: now), bytes, receivedAt: now)
    }

    private mutating func track(
        _ result: AuthLogParser.Result, _ bytes: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp?
    ) -> [IntrusionAlert] {
        switch result {
        case .skipped(let reason):
            counts.count(reason)
            return []
        case .event(let parsed):
            counts.events += 1
            let event = receivedAt.map { parsed.retimed($0) } ?? parsed
            if event.kind == .accepted {
                if acceptedLogins.count < Self.maximumPendingLogins {
                    acceptedLogins.append(event)
                } else {
                    counts.droppedLogins += 1
                }
            }
            guard let attempt = tracker.observe(event, line: { String(decoding: bytes, as: UTF8.self).trimmed }) else {
                return []
            }
            counts.failures += 1
            return recordFailure(attempt, now: event.time)
        }
    }

    /// One failed login, counted per address and (when policy says so) per prefix.
    private mutating func recordFailure(_ attempt: FailedAttempt, now: Timestamp) -> [IntrusionAlert] {
        let single = bruteForce.record(attempt, now: now)
        // Mutated in place through the optional: a copy would duplicate its tables on every failure.
        guard let key = bruteForcePrefixes?.key(of: attempt.source), !key.isHost else {
            return single.map { [$0] } ?? []
        }
        let spread = bruteForcePrefixes?.record(attempt, now: now)
        return [single, spread].compactMap { $0 }
    }

    /// The successful logins read since the last call, for the ledger (the live engine records each).
    public mutating func takeAcceptedLogins() -> [SSHDEvent] {
        defer { acceptedLogins = [] }
        return acceptedLogins
    }

    /// Counts the username probes whose connection never logged an end, as of `now`.
    public mutating func expireProbes(now: Timestamp) -> [IntrusionAlert] {
        let cutoff = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - AttemptTracker.probeHorizon)
        return record(tracker.expire(before: cutoff), now: now)
    }

    /// Counts every open probe: the end of a replayed log.
    public mutating func flushProbes(now: Timestamp) -> [IntrusionAlert] { record(tracker.flush(), now: now) }

    private mutating func record(_ attempts: [FailedAttempt], now: Timestamp) -> [IntrusionAlert] {
        counts.failures += attempts.count
        return attempts.flatMap { recordFailure($0, now: max(now, $0.time)) }
    }

    /// Runs the scan and unexpected-port rules on one inbound attempt.
    public mutating func ingest(_ attempt: ConnectionAttempt, now: Timestamp) -> [IntrusionAlert] {
        [portScan.record(attempt, now: now), unexpectedPorts.record(attempt, now: now)].compactMap { $0 }
    }

    /// One failed authentication at the product's own doors.
    public mutating func recordAuthenticationFailure(_ attempt: FailedAttempt, now: Timestamp) -> IntrusionAlert? {
        authenticationFailures.record(attempt, now: now)
    }

    public mutating func setOpenPorts(_ ports: Set<UInt16>) { unexpectedPorts.setOpenPorts(ports) }
}

/// What the parser made of the lines it read.
public struct LineCounts: Hashable, Sendable {
    public var events = 0
    public var failures = 0
    public var otherPrograms = 0
    public var irrelevant = 0
    public var malformed = 0
    /// Successful logins not recorded because too many were waiting (a live engine drains them at every line).
    public var droppedLogins = 0

    mutating func count(_ reason: AuthLogSkip) {
        switch reason {
        case .otherProgram: otherPrograms += 1
        case .irrelevant: irrelevant += 1
        case .malformed: malformed += 1
        }
    }
}

extension SSHDEvent {
    func retimed(_ time: Timestamp) -> SSHDEvent {
        SSHDEvent(kind: kind, time: time, source: source, port: port, pid: pid, login: login)
    }
}

extension String {
    /// Without the line end.
    var trimmed: String {
        var text = self
        while text.last == "\n" || text.last == "\r" || text.last == "\r\n" { text.removeLast() }
        return text
    }
}
