import Capabilities
import Foundation
import GRDB
import GRDBSQLite

/// What `audit verify` found.
public struct VerificationReport: Sendable {
    public struct Day: Sendable {
        public let day: String
        public let path: String
        public let entries: Int
        public let checkpoints: Int
        /// Entries after the newest checkpoint of the day: verified by the chain only, see ``LedgerVerifier``.
        public let uncovered: Int
    }

    /// The first problem: where and why.
    public struct Failure: Sendable, CustomStringConvertible {
        public let file: String
        public let seq: Int?
        public let id: String?
        public let reason: String

        public var description: String {
            var place = file
            if let seq { place += " entry \(seq)" }
            if let id { place += " (\(id))" }
            return "\(place): \(reason)"
        }
    }

    public var days: [Day] = []
    public var checkpoints = 0
    public var failure: Failure?
    public var intact: Bool { failure == nil }
    public var entries: Int { days.reduce(0) { $0 + $1.entries } }
}

/// Verifies a ledger offline: every day file, every entry, the chain, the Merkle tree, every checkpoint in the
/// log (signatures checked against one pinned key), and how the days link.
///
/// It catches any change to stored bytes or columns, deleted, inserted, reordered or replayed entries, a missing
/// or substituted day file, and — wherever a checkpoint covers the entries — truncation and a recomputed tail
/// (anyone who rewrites entries can recompute the chain, but not the signed roots). It cannot catch changes to
/// entries after the newest checkpoint if whoever made them also holds the signing key or rewrote the tail
/// before a checkpoint left the machine; ``VerificationReport/Day/uncovered`` counts such entries.
public struct LedgerVerifier {
    public let directory: String
    public let checkpointLog: String
    public let verifier: CheckpointVerifier

    public init(directory: String, checkpointLog: String? = nil, verifier: CheckpointVerifier) {
        self.directory = directory
        self.checkpointLog = checkpointLog ?? directory + "/" + CheckpointLog.fileName
        self.verifier = verifier
    }

    public func verify() -> VerificationReport {
        var report = VerificationReport()
        do {
            try run(&report)
        } catch let failure as FailureSignal {
            report.failure = failure.failure
        } catch {
            report.failure = .init(file: directory, seq: nil, id: nil, reason: "\(error)")
        }
        return report
    }

    private struct FailureSignal: Error {
        let failure: VerificationReport.Failure
    }

    private func fail(_ file: String, _ reason: String, seq: Int? = nil, id: String? = nil) -> FailureSignal {
        FailureSignal(failure: .init(file: file, seq: seq, id: id, reason: reason))
    }

    private func run(_ report: inout VerificationReport) throws {
        let notes = try CheckpointLog(path: checkpointLog).notes()
        var byOrigin: [String: [(line: Int, checkpoint: Checkpoint, note: String)]] = [:]
        var originOrder: [String] = []
        for (line, note) in notes {
            guard let checkpoint = verifier.verify(note: note) else {
                throw fail(
                    checkpointLog, "line \(line): the checkpoint's signature does not verify with the pinned key")
            }
            if byOrigin[checkpoint.origin] == nil { originOrder.append(checkpoint.origin) }
            if let previous = byOrigin[checkpoint.origin]?.last, previous.checkpoint.size > checkpoint.size {
                throw fail(
                    checkpointLog,
                    "line \(line): tree size went back from \(previous.checkpoint.size) to \(checkpoint.size)")
            }
            byOrigin[checkpoint.origin, default: []].append((line, checkpoint, note))
        }
        report.checkpoints = notes.count
        for (month, path) in try LedgerFiles.archivedMonths(in: directory) {
            if let problem = LedgerArchive.verifyManifest(directory: path, month: month, verifier: verifier) {
                throw fail(path, problem)
            }
        }
        let files = try LedgerFiles.days(in: directory)
        let origins = Set(files.map { Ledger.origin(day: $0.day) })
        for origin in originOrder where !origins.contains(origin) {
            throw fail(directory, "the day file of checkpointed log \(origin) is missing")
        }
        var previousFinal: (origin: String, note: String, size: Int)? = nil
        for file in files {
            let checkpoints = byOrigin[Ledger.origin(day: file.day)] ?? []
            let day = try verifyDay(
                file, checkpoints: checkpoints.map { ($0.checkpoint) }, previous: previousFinal, notes: notes)
            report.days.append(day.report)
            if let last = checkpoints.last { previousFinal = (last.checkpoint.origin, last.note, last.checkpoint.size) }
            if let last = checkpoints.last, last.checkpoint.size != day.report.entries, file.day != files.last?.day {
                throw fail(
                    file.path,
                    "the day holds \(day.report.entries) entries but its final checkpoint covers \(last.checkpoint.size)"
                )
            }
        }
    }

    private func verifyDay(
        _ file: LedgerFiles.DayFile, checkpoints: [Checkpoint], previous: (origin: String, note: String, size: Int)?,
        notes: [(line: Int, note: String)]
    ) throws -> (report: VerificationReport.Day, tree: MerkleTree) {
        let day = try LedgerDay.open(path: file.path, writable: false, load: false)
        defer { day.close() }
        guard day.day == file.day, day.origin == Ledger.origin(day: file.day) else {
            throw fail(file.path, "its metadata names day \(day.day), origin \(day.origin)")
        }
        try checkGenesis(day, previous: previous, notes: notes)
        let chain = ParallelChainChecker(genesis: day.genesis)
        /// The first problem the chain checker found up to `seq`, as a failure to throw instead: a broken link or
        /// hash is the more basic finding about the same entry.
        func chainBreak(through seq: Int, _ db: Database) throws -> FailureSignal? {
            guard case .failure(let broken) = chain.finish(), broken.seq <= seq else { return nil }
            let id = try String.fetchOne(db, sql: "SELECT id FROM entries WHERE seq = ?", arguments: [broken.seq])
            return fail(file.path, broken.reason, seq: broken.seq, id: id)
        }
        try day.read { db in
            // Raw SQLite stepping: a million rows are read without allocating per column, while the chain and the
            // tree are checked on the other core.
            let statement = try db.makeStatement(
                sql: "SELECT seq, id, timestamp_ms, event_type, agent, action, target, result, risk_level, task_id, "
                    + "leaf, prev_hash, entry_hash FROM entries ORDER BY seq")
            let sqlite = statement.sqliteStatement
            func column(_ index: Int32) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(
                    start: sqlite3_column_blob(sqlite, index), count: Int(sqlite3_column_bytes(sqlite, index)))
            }
            var checker = LeafColumns()
            var expected: Int64 = 1
            var idHashes: Set<UInt64> = []
            var lastTime = Int64.min
            while true {
                let code = sqlite3_step(sqlite)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw AuditError.storage("\(file.path): SQLite error \(code) while reading")
                }
                let seq = sqlite3_column_int64(sqlite, 0)
                let idBytes = column(1)
                func failure(_ reason: String) throws -> FailureSignal {
                    try chainBreak(through: Int(seq), db)
                        ?? fail(file.path, reason, seq: Int(seq), id: String(decoding: idBytes, as: UTF8.self))
                }
                guard seq == expected else {
                    throw try failure("expected entry \(expected) next: an entry was deleted or inserted")
                }
                let previous = column(11)
                let hash = column(12)
                guard previous.count == 32, hash.count == 32 else { throw try failure("a stored hash is not 32 bytes") }
                let leaf = column(10)
                chain.append(leaf: leaf, previous: previous, hash: hash)
                let time = sqlite3_column_int64(sqlite, 2)
                let task = sqlite3_column_type(sqlite, 9) == SQLITE_NULL ? nil : column(9)
                let columns = LeafColumns.Columns(
                    id: idBytes, timestamp: time, eventType: column(3), agent: column(4), action: column(5),
                    target: column(6), result: column(7), riskLevel: column(8), taskID: task)
                if let name = checker.mismatch(columns, leaf: leaf) {
                    throw try failure("column \(name) differs from the hashed entry")
                }
                if !idHashes.insert(Self.fingerprint(idBytes)).inserted {
                    let id = String(decoding: idBytes, as: UTF8.self)
                    let copies =
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM entries WHERE id = ?", arguments: [id]) ?? 0
                    if copies > 1 { throw try failure("id appears twice (a replay)") }
                }
                guard time >= lastTime else { throw try failure("timestamp goes back in time") }
                lastTime = time
                expected += 1
            }
            if let broken = try chainBreak(through: Int.max, db) { throw broken }
        }
        guard case .success(let tree) = chain.finish() else { preconditionFailure("a chain break was thrown above") }
        for checkpoint in checkpoints {
            guard checkpoint.size <= tree.size else {
                throw fail(
                    file.path, "truncated: a checkpoint covers \(checkpoint.size) entries, the file holds \(tree.size)")
            }
            guard tree.root(size: checkpoint.size) == checkpoint.root else {
                throw fail(file.path, "entries 1–\(checkpoint.size) do not match their signed checkpoint (rewritten)")
            }
        }
        let covered = checkpoints.last?.size ?? 0
        return (
            VerificationReport.Day(
                day: file.day, path: file.path, entries: tree.size, checkpoints: checkpoints.count,
                uncovered: tree.size - covered),
            tree
        )
    }

    /// A 64-bit FNV-1a of an id: duplicates are found in a set of these, and confirmed by a lookup.
    private static func fingerprint(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// A day's chain starts from the SHA-256 of the previous day's final checkpoint (all zeros for the first day),
    /// and that checkpoint must be a note of the log, signed with the pinned key.
    private func checkGenesis(
        _ day: LedgerDay, previous: (origin: String, note: String, size: Int)?, notes: [(line: Int, note: String)]
    ) throws {
        guard let note = day.previousCheckpoint else {
            guard previous == nil, day.genesis == .zero else {
                throw fail(day.path, "does not link to the day before it")
            }
            return
        }
        guard day.genesis == Hash32.sha256(Array(note.utf8)), verifier.verify(note: note) != nil,
            notes.contains(where: { $0.note == note })
        else { throw fail(day.path, "its link to the previous day is not a signed checkpoint of the log") }
        if let previous, previous.note != note {
            throw fail(day.path, "does not start from the final checkpoint of \(previous.origin)")
        }
    }
}
