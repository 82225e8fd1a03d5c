import Audit
import Capabilities
import Foundation
import Policy
import Synchronization

/// Writes a batch of drafts to the ledger.
public typealias AuditBatchSink = @Sendable ([AuditDraft]) throws -> Void

/// Records human sessions for as long as it runs: sshd's logins from the journal (``JournalFollower``, which
/// trusts only entries journald attributes to sshd's executable running as root) and every program every login
/// session runs, from the kernel's process events (``ProcConnector``), as `human_session` and `human_command`
/// ledger entries. The daemon's handle, and the source of ``current()`` for `Status`; `sessionsChanged` is
/// called (on a recorder thread) whenever a session begins, ends or is bound to its login, for an event the
/// agents see.
///
/// Three threads: one reads the kernel and `/proc` at once (the race against a process that exits is won there
/// or lost and marked), one polls the journal, one writes the ledger through a bounded ``DraftQueue``; whatever
/// was dropped or lost on the way is written as an `exec.lost` entry with the counts.
public final class HumanSessionRecorder: Sendable {
    private let tracker: Mutex<HumanSessionTracker>
    private let connector: ProcConnector
    private let journal: JournalFollower?
    private let queue: DraftQueue
    private let audit: AuditBatchSink
    private let clock: any SecurityClock
    private let changed: @Sendable ([HumanSessionInfo]) -> Void
    private let counters = Mutex(HumanRecorderStatistics())
    private let sources = Mutex<[DispatchSemaphore]>([])
    private let writer = Mutex<[DispatchSemaphore]>([])
    private let failures = Mutex<[DetectionError]>([])

    public init(
        operators: [EmergencyPolicy.Operator], connector: ProcConnector, journal: JournalFollower?,
        audit: @escaping AuditBatchSink, clock: any SecurityClock = SystemClock(),
        source: any ProcessSource = ProcFileSystem(), queueCapacity: Int = 8192,
        sessionsChanged: @escaping @Sendable ([HumanSessionInfo]) -> Void = { _ in }
    ) {
        tracker = Mutex(HumanSessionTracker(keys: OperatorKeys(operators), source: source))
        self.connector = connector
        self.journal = journal
        self.audit = audit
        self.clock = clock
        changed = sessionsChanged
        queue = DraftQueue(capacity: queueCapacity)
    }

    /// The live sessions, oldest first.
    public func current() -> [HumanSessionInfo] {
        tracker.withLock { Array($0.sessions.values) }.sorted {
            ($0.startedAt, $0.sessionID) < ($1.startedAt, $1.sessionID)
        }
    }

    public var statistics: HumanRecorderStatistics {
        var statistics = counters.withLock { $0 }
        statistics.kernel = connector.statistics
        statistics.untracked = tracker.withLock { $0.untracked }
        return statistics
    }

    /// Errors that ended a source.
    public var errors: [DetectionError] { failures.withLock { $0 } }

    /// Starts the threads.
    public func start() {
        spawn("aios-human-proc") { [self] () throws(DetectionError) in
            try connector.run { event in
                let now = clock.now()
                publish(tracker.withLock { $0.observe(event, now: now) })
            }
        }
        if let journal {
            spawn("aios-human-sshd") { [self] () throws(DetectionError) in
                try journal.run { message, pid in message.withUnsafeBufferPointer { ingestSSHDMessage($0, pid: pid) } }
            }
        }
        spawn("aios-human-ledger", writer: true) { [self] in writeUntilClosed() }
    }

    /// One of sshd's messages (the sender's pid from journald): a trusted source's, never a line anyone could
    /// write.
    public func ingestSSHDMessage(_ bytes: UnsafeBufferPointer<UInt8>, pid: Int32?) {
        let now = clock.now()
        guard case .event(let event) = AuthLogParser.message(bytes, pid: pid, time: now) else { return }
        publish(tracker.withLock { $0.observe(event, now: now) })
    }

    /// Queues the drafts; a session that began, ended or learnt who logged in is announced (outside the lock).
    private func publish(_ drafts: [AuditDraft]) {
        queue.push(drafts)
        if drafts.contains(where: { $0.eventType == .humanSession }) { changed(current()) }
    }

    /// Stops reading (within 250 ms), writes what was queued, and waits for the threads.
    public func stop() {
        connector.stop()
        journal?.stop()
        for semaphore in sources.withLock({ list in
            defer { list.removeAll() }; return list
        }) { semaphore.wait() }
        queue.close()
        for semaphore in writer.withLock({ list in
            defer { list.removeAll() }; return list
        }) { semaphore.wait() }
    }

    private func writeUntilClosed() {
        var reported = (kernel: 0, overruns: 0)
        while true {
            let (drafts, dropped, closed) = queue.take(waiting: .milliseconds(250))
            let kernel = connector.statistics
            var batch = drafts
            if dropped > 0 || kernel.lost > reported.kernel || kernel.overruns > reported.overruns {
                batch.append(
                    HumanDrafts.lost(
                        queue: dropped, kernel: kernel.lost - reported.kernel,
                        overruns: kernel.overruns - reported.overruns))
                reported = (kernel.lost, kernel.overruns)
            }
            if !batch.isEmpty {
                do {
                    try audit(batch)
                    counters.withLock {
                        $0.written += batch.count
                        $0.dropped += dropped
                    }
                } catch {
                    counters.withLock { $0.writeFailures += batch.count }
                }
            }
            if closed && drafts.isEmpty { return }
        }
    }

    private func spawn(
        _ name: String, writer isWriter: Bool = false, _ body: @escaping @Sendable () throws(DetectionError) -> Void
    ) {
        let done = DispatchSemaphore(value: 0)
        if isWriter { writer.withLock { $0.append(done) } } else { sources.withLock { $0.append(done) } }
        SourceThread.start(name, done: done, failed: { [self] error in failures.withLock { $0.append(error) } }, body)
    }
}

/// What a ``HumanSessionRecorder`` has done.
public struct HumanRecorderStatistics: Hashable, Sendable {
    /// Entries written to the ledger.
    public var written = 0
    /// `human_command` entries dropped because the queue was full (also written as `exec.lost`).
    public var dropped = 0
    /// Entries the ledger refused.
    public var writeFailures = 0
    /// Processes attributed by `/proc` only because the process table was full.
    public var untracked = 0
    public var kernel = ProcConnectorStatistics()
}
