import Capabilities
import Policy

/// Turns sshd events into failed attempts — exactly one per attempt, as `gen_authlog.py` defines it: each
/// `Failed password` line is one attempt; a connection that logged `Invalid user` and then ended without any
/// password try is one attempt (a username probe), counted at its `Invalid user` time; every other line of the same
/// connection (PAM's `authentication failure`, `maximum authentication attempts exceeded`, the `Invalid user` line
/// of a connection that went on to try passwords, the closing lines) adds nothing.
///
/// A connection is its client endpoint, source address and port: the TCP connection itself, present in every line
/// that matters and the same whether or not the line carries sshd's pid (sshd's own `-E` log has none).
struct AttemptTracker {
    struct Connection: Hashable {
        let source: IPAddress
        let port: UInt16
    }

    /// A connection that has logged `Invalid user` and no password attempt yet.
    struct Probe {
        let time: Timestamp
        let evidence: String
    }

    /// sshd drops a connection that has not authenticated after `LoginGraceTime` (120 s by default); a probe with
    /// no end line after this long is counted anyway, so a lost line cannot hide an attempt.
    static let probeHorizon: Int64 = 300_000

    private(set) var probes: [Connection: Probe] = [:]

    /// The attempt `event` completes, if any. `line` is read only when the event is evidence of one.
    mutating func observe(_ event: SSHDEvent, line: () -> String) -> FailedAttempt? {
        let connection = Connection(source: event.source, port: event.port)
        switch event.kind {
        case .failedPassword:
            probes.removeValue(forKey: connection)
            return FailedAttempt(source: event.source, time: event.time, evidence: line())
        case .invalidUser:
            let earlier = probes.updateValue(Probe(time: event.time, evidence: line()), forKey: connection)
            return earlier.map { FailedAttempt(source: event.source, time: $0.time, evidence: $0.evidence) }
        case .connectionEnd, .maximumAttempts:
            guard let probe = probes.removeValue(forKey: connection) else { return nil }
            return FailedAttempt(source: event.source, time: probe.time, evidence: probe.evidence)
        case .pamFailure, .accepted:
            return nil
        }
    }

    /// Counts the probes that began before `cutoff` and never ended, oldest first.
    mutating func expire(before cutoff: Timestamp) -> [FailedAttempt] {
        let stale = probes.filter { $0.value.time < cutoff }
        for connection in stale.keys { probes.removeValue(forKey: connection) }
        return stale.map { FailedAttempt(source: $0.key.source, time: $0.value.time, evidence: $0.value.evidence) }
            .sorted { $0.time < $1.time }
    }

    /// Counts every open probe (the end of a replayed log).
    mutating func flush() -> [FailedAttempt] { expire(before: Timestamp(millisecondsSinceEpoch: .max)) }
}
