import Audit
import Capabilities
import Firewall
import Foundation
import Synchronization

/// Writes the proxy's connections to the ledger off its event loop, one by one up to ``perMinute`` entries per
/// agent and minute; beyond that, the minute's further connections of that agent are counted and recorded as one
/// `network_connection` summary (`target: aggregate`: how many, by outcome, and their bytes) when the minute ends —
/// an agent looping on connections fills a counter, not the ledger.
public final class EgressRecorder: Sendable {
    public static let perMinute = 100

    private struct Minute {
        var start: Timestamp
        var recorded = 0
        var folded = 0
        var outcomes: [String: Int] = [:]
        var bytesOut: Int64 = 0
        var bytesIn: Int64 = 0
    }

    private let queue = DispatchQueue(label: "aios-egress-audit")
    private let minutes = Mutex<[String: Minute]>([:])
    private let clock: any SecurityClock
    private let append: @Sendable ([AuditDraft]) -> Void
    private let stopped = Atomic<Bool>(false)

    /// `append` writes to the ledger (and reports a failure itself).
    public init(clock: any SecurityClock, append: @escaping @Sendable ([AuditDraft]) -> Void) {
        self.clock = clock
        self.append = append
        scheduleFlush()
    }

    /// Every 10 s the minutes that are over are written, even when no connection comes to trigger it.
    private func scheduleFlush() {
        queue.asyncAfter(deadline: .now() + 10) { [weak self] in
            guard let self, !self.stopped.load(ordering: .relaxed) else { return }
            self.flush(force: false)
            self.scheduleFlush()
        }
    }

    /// Records `connection` (from any thread).
    public func record(_ connection: EgressConnection) {
        queue.async { self.take(connection) }
    }

    /// Writes every pending summary now (at stop).
    public func close() {
        stopped.store(true, ordering: .relaxed)
        queue.sync { flush(force: true) }
    }

    private func take(_ connection: EgressConnection) {
        let now = clock.now()
        flush(force: false)
        // A long tunnel recorded while open is never folded: it is the record that survives a crash.
        guard !connection.stillOpen else {
            append(EgressAudit.drafts(connection))
            return
        }
        let recordOne = minutes.withLock { minutes -> Bool in
            var minute = minutes[connection.agent] ?? Minute(start: now)
            defer { minutes[connection.agent] = minute }
            if minute.recorded < Self.perMinute {
                minute.recorded += 1
                return true
            }
            minute.folded += 1
            minute.outcomes[connection.refusal?.kind ?? "relayed", default: 0] += 1
            minute.bytesOut += connection.bytesOut
            minute.bytesIn += connection.bytesIn
            return false
        }
        if recordOne { append(EgressAudit.drafts(connection)) }
    }

    /// Ends the minutes that are over (all of them with `force`), writing a summary for each that folded any.
    private func flush(force: Bool) {
        let now = clock.now()
        let ended = minutes.withLock { minutes -> [(String, Minute)] in
            let over = minutes.filter {
                force || now.millisecondsSinceEpoch - $0.value.start.millisecondsSinceEpoch >= 60_000
            }
            for agent in over.keys { minutes[agent] = nil }
            return over.map { ($0.key, $0.value) }
        }
        let summaries = ended.filter { $0.1.folded > 0 }.map { agent, minute in
            AuditDraft(
                eventType: .networkConnection, agent: agent, action: "net.connect", target: "aggregate",
                result: minute.outcomes["relayed"] == minute.folded ? .success : .denied, riskLevel: .medium,
                details: .object([
                    ("aggregated", .integer(Int64(minute.folded))),
                    (
                        "outcomes",
                        .object(minute.outcomes.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) })
                    ),
                    ("bytes_out", .integer(minute.bytesOut)), ("bytes_in", .integer(minute.bytesIn)),
                    ("recorded_one_by_one", .integer(Int64(minute.recorded))),
                ]))
        }
        if !summaries.isEmpty { append(summaries) }
    }
}
