import Capabilities
import Foundation
import Synchronization

/// The audit ledger: append-only, hash-chained, Merkle-committed, checkpointed, one SQLite file per UTC day.
///
/// `append` returns only once its entry is durable (WAL, `synchronous=FULL`, committed). Appenders share fsyncs:
/// one writer thread takes everything queued — up to ``Options/maximumBatch`` entries — into one transaction, so
/// a batch closes as soon as the previous commit finishes, adding no delay of its own. If the ledger cannot write,
/// every waiting appender gets the error; nothing is dropped silently. A signed checkpoint follows within
/// ``Options/checkpointInterval`` of any new entry, and at every rotation and close.
public final class Ledger: @unchecked Sendable {
    public struct Options: Sendable {
        public var maximumBatch = 1000
        public var checkpointInterval: Int64 = 1000  // milliseconds
        /// How long the writer waits, at most, for the appenders of its previous batch to come back before
        /// committing a smaller batch. A lone appender never waits.
        public var linger: Double = 0.001  // seconds
        public init() {}
    }

    public let directory: String
    public let signer: CheckpointSigner
    private let clock: any SecurityClock
    private let options: Options
    private let log: CheckpointLog

    private struct Pending {
        let drafts: [AuditDraft]
        let completion: ([AuditEntry], AuditError?) -> Void
    }

    // Shared with appenders, guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var queuedEntries = 0
    /// Submitters wake the writer only once this many entries are queued, so a lingering writer is woken once
    /// per batch rather than once per appender.
    private var wakeThreshold = 1
    private var closing = false
    private var finished = false

    /// Commits and entries written so far (entries per commit shows how well group commit works).
    public var statistics: (commits: Int, entries: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (commits, entriesWritten)
    }
    private var commits = 0
    private var entriesWritten = 0
    private let commitObservers = Mutex<[@Sendable ([AuditEntry]) -> Void]>([])

    // Owned by the writer thread.
    private var current: LedgerDay?
    private var identifiers = EntryIdentifiers()
    private var checkpointedSize = 0
    /// Real (not injected) time of the last checkpoint: the interval is an operational promise about wall time.
    private var lastCheckpointAt = Date.distantPast
    private var lastNote: String?

    /// Opens (or starts) the ledger in `directory`, checking the newest day's chain and its last checkpoint.
    public init(
        directory: String, signer: CheckpointSigner, clock: any SecurityClock = SystemClock(),
        options: Options = Options()
    ) throws(AuditError) {
        self.directory = directory
        self.signer = signer
        self.clock = clock
        self.options = options
        self.log = CheckpointLog(path: directory + "/" + CheckpointLog.fileName)
        try Self.ensureDirectory(directory)
        let notes = try log.notes()
        lastNote = notes.last?.note
        if let newest = try LedgerFiles.days(in: directory).last {
            let day = try LedgerDay.open(path: newest.path, writable: true)
            try Self.checkAgainstCheckpoints(day, notes: notes, verifier: signer.verifier)
            current = day
            checkpointedSize =
                notes.compactMap { signer.verifier.verify(note: $0.note) }
                .last { $0.origin == day.origin }?.size ?? 0
        }
        // The thread holds the ledger until `close()` ends it, so a ledger dropped without closing leaks a
        // thread rather than crashing it.
        let thread = Thread { [self] in self.run() }
        thread.name = "audit-ledger-writer"
        thread.start()
    }

    static func ensureDirectory(_ path: String) throws(AuditError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .storage("\(path) is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .storage("cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// Refuses to continue a day whose stored entries contradict its newest signed checkpoint (a truncated or
    /// rewritten tail): the writer would otherwise extend a tampered chain.
    static func checkAgainstCheckpoints(
        _ day: LedgerDay, notes: [(line: Int, note: String)], verifier: CheckpointVerifier
    ) throws(AuditError) {
        guard let newest = notes.compactMap({ verifier.verify(note: $0.note) }).last(where: { $0.origin == day.origin })
        else { return }
        guard newest.size <= day.count else {
            throw .tampered("\(day.path) holds \(day.count) entries but a checkpoint covers \(newest.size)")
        }
        guard day.tree.root(size: newest.size) == newest.root else {
            throw .tampered("\(day.path) does not match its checkpoint of size \(newest.size)")
        }
    }

    /// Calls `observer` with every batch of entries once they are durable, in ledger order, on the writer thread:
    /// keep it short (the next batch waits for it) and never append from it.
    public func observeCommits(_ observer: @escaping @Sendable ([AuditEntry]) -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    // MARK: Appending

    /// Appends one entry; returns once it is durable.
    public func append(_ draft: AuditDraft) async throws(AuditError) -> AuditEntry {
        let result: Result<AuditEntry, AuditError> = await withCheckedContinuation { continuation in
            submit([draft]) { entries, error in
                if let entry = entries.first, error == nil {
                    continuation.resume(returning: .success(entry))
                } else {
                    continuation.resume(returning: .failure(error ?? .storage("the entry was not written")))
                }
            }
        }
        return try result.get()
    }

    /// Appends entries in order and blocks until they are durable. On an error, `committed` holds those that were.
    public func append(contentsOf drafts: [AuditDraft]) -> (committed: [AuditEntry], error: AuditError?) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: ([AuditEntry], AuditError?) = ([], nil)
        submit(drafts) { entries, error in
            outcome = (entries, error)
            done.signal()
        }
        done.wait()
        return outcome
    }

    private func submit(_ drafts: [AuditDraft], completion: @escaping ([AuditEntry], AuditError?) -> Void) {
        condition.lock()
        guard !closing else {
            condition.unlock()
            completion([], .closed)
            return
        }
        queue.append(Pending(drafts: drafts, completion: completion))
        queuedEntries += drafts.count
        if queuedEntries >= wakeThreshold { condition.signal() }
        condition.unlock()
    }

    /// Writes a final checkpoint and stops the writer; later appends fail with ``AuditError/closed``.
    public func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    // MARK: The writer thread

    private func run() {
        var lastBatch = 0
        while true {
            condition.lock()
            var timedOut = false
            wakeThreshold = 1
            while queue.isEmpty && !closing {
                if let due = checkpointDue {
                    if !condition.wait(until: due) {
                        timedOut = true
                        break
                    }
                } else {
                    condition.wait()
                }
            }
            // Group commit, bounded by time and size: when the last batch had company, wait up to `linger` for
            // as many entries as it held, so concurrent appenders share one fsync instead of each paying one.
            if lastBatch > 1 && !queue.isEmpty && !closing {
                wakeThreshold = min(lastBatch, options.maximumBatch)
                let deadline = Date().addingTimeInterval(options.linger)
                while queuedEntries < wakeThreshold && !closing {
                    if !condition.wait(until: deadline) { break }
                }
                wakeThreshold = 1
            }
            var count = 0
            var taken = 0
            while count < queue.count && (count == 0 || taken + queue[count].drafts.count <= options.maximumBatch) {
                taken += queue[count].drafts.count
                count += 1
            }
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            queuedEntries -= taken
            lastBatch = batch.count
            let stopping = closing && queue.isEmpty
            condition.unlock()

            if !batch.isEmpty {
                write(batch)
                condition.lock()
                commits += 1
                entriesWritten += taken
                condition.unlock()
            }
            let interval = Double(options.checkpointInterval) / 1000
            if timedOut || stopping || Date().timeIntervalSince(lastCheckpointAt) >= interval { checkpointIfNeeded() }
            if stopping {
                current?.close()
                condition.lock()
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }

    /// When the writer must wake to checkpoint entries not yet covered, if any.
    private var checkpointDue: Date? {
        guard let current, current.count > checkpointedSize else { return nil }
        return lastCheckpointAt.addingTimeInterval(Double(options.checkpointInterval) / 1000)
    }

    private func write(_ batch: [Pending]) {
        var entries: [AuditEntry] = []
        for pending in batch {
            for draft in pending.drafts {
                let last = current?.lastTimestamp ?? 0
                let time = Timestamp(
                    millisecondsSinceEpoch: max(
                        clock.now().millisecondsSinceEpoch, last, entries.last?.timestamp.millisecondsSinceEpoch ?? 0))
                entries.append(AuditEntry(id: identifiers.next(at: time), timestamp: time, draft: draft))
            }
        }
        var committed = 0
        var failure: AuditError? = nil
        var start = 0
        while start < entries.count {
            let dayNumber = entries[start].timestamp.dayNumber
            let name = entries[start].timestamp.utcDay
            var end = start
            while end < entries.count && entries[end].timestamp.dayNumber == dayNumber { end += 1 }
            do throws(AuditError) {
                let target = try day(for: name)
                entries.replaceSubrange(start..<end, with: try target.append(Array(entries[start..<end])))
                committed = end
            } catch {
                failure = error
                break
            }
            start = end
        }
        // Observers first: an appender that gets its entry back finds it wherever observers put it.
        if committed > 0 {
            let durable = Array(entries[0..<committed])
            for observer in commitObservers.withLock({ $0 }) { observer(durable) }
        }
        var offset = 0
        for pending in batch {
            let count = pending.drafts.count
            let mine = Array(entries[offset..<offset + count].prefix(max(0, committed - offset)))
            pending.completion(mine, mine.count == count ? nil : failure ?? .storage("the entry was not written"))
            offset += count
        }
    }

    /// The day file for `day`, rotating (final checkpoint, new file chained to it) when the day changes.
    private func day(for day: String) throws(AuditError) -> LedgerDay {
        if let current, current.day == day { return current }
        if let current {
            try checkpoint(current)
            current.close()
        }
        // Another process (a CLI command while the daemon runs) may have started this day already.
        let existing = directory + "/" + LedgerDay.fileName(day: day)
        var info = stat()
        if lstat(existing, &info) == 0 {
            try LedgerFiles.checkDayFile(existing)
            let opened = try LedgerDay.open(path: existing, writable: true)
            current = opened
            checkpointedSize = 0
            return opened
        }
        let genesis = lastNote.map { Hash32.sha256(Array($0.utf8)) } ?? .zero
        let next = try LedgerDay.create(
            directory: directory,
            meta: LedgerDay.Meta(
                day: day, origin: Self.origin(day: day), genesis: genesis, previousCheckpoint: lastNote))
        current = next
        checkpointedSize = 0
        return next
    }

    public static func origin(day: String) -> String { "aios.local/audit/\(day)" }

    private func checkpointIfNeeded() {
        guard let current, current.count > checkpointedSize else { return }
        try? checkpoint(current)
    }

    /// Signs the day as it stands. Another process may have appended since this one last wrote: its rows are taken
    /// in first, so a final checkpoint covers the whole day and sizes in the log never go back.
    private func checkpoint(_ day: LedgerDay) throws(AuditError) {
        try day.refresh()
        let checkpoint = Checkpoint(origin: day.origin, size: day.count, root: day.tree.root, follows: day.genesis)
        let signed: SignedCheckpoint
        do {
            signed = try signer.sign(checkpoint)
        } catch {
            throw .key("cannot sign a checkpoint: \(error)")
        }
        try log.append(signed)
        lastNote = signed.note
        checkpointedSize = day.count
        lastCheckpointAt = Date()
    }
}
