import Capabilities
import Foundation
import GRDB
import GRDBSQLite

extension LedgerVerifier {
    /// Checks one day file: its structure, then every entry (sequence, link, hash, columns against the hashed
    /// bytes, unique id, non-decreasing time), then its tree against every checkpoint of the day.
    func verifyDay(_ file: LedgerFiles.DayFile, checkpoints: [Checkpoint]) throws -> VerifiedDay {
        let day = try LedgerDay.open(path: file.path, writable: false, load: false)
        defer { day.close() }
        guard day.day == file.day, day.origin == Ledger.origin(day: file.day) else {
            throw fail(file.path, "its metadata names day \(day.day), origin \(day.origin)")
        }
        for checkpoint in checkpoints where checkpoint.follows.map({ $0 != day.genesis }) ?? false {
            throw fail(
                file.path,
                "its signed checkpoint of size \(checkpoint.size) follows another day than its metadata says: "
                    + "it was relinked")
        }
        // The file's structure is checked on another connection while this one reads the rows.
        let structure = StructureCheck(path: file.path)
        defer { _ = structure.wait() }
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
                if expected % Int64(VerificationProgress.step) == 0 { progress?.add(VerificationProgress.step) }
                expected += 1
            }
            progress?.add(Int((expected - 1) % Int64(VerificationProgress.step)))
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
        // Last: what the rows and checkpoints show is the more basic finding about the same file.
        if let problem = structure.wait() { throw fail(file.path, problem) }
        return VerifiedDay(
            file: file, genesis: day.genesis, previousCheckpoint: day.previousCheckpoint, tree: tree)
    }

    /// A 64-bit FNV-1a of an id: duplicates are found in a set of these, and confirmed by a lookup.
    private static func fingerprint(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
