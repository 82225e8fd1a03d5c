import Capabilities
import Foundation
import GRDB

/// One stored entry as read back: its place in the ledger and the exact JSON that was hashed.
public struct StoredEntry: Sendable {
    public let day: String
    public let seq: Int
    public let id: String
    public let timestamp: Timestamp
    public let eventType: String
    public let agent: String
    public let action: String
    public let target: String
    public let result: String
    public let riskLevel: String
    /// The entry in the spec's format, byte for byte as committed.
    public let json: String
    /// The chain: the previous entry's hash (the day's genesis for its first) and this entry's.
    public let previousHash: Hash32?
    public let entryHash: Hash32?

    init(day: String, row: Row) {
        self.day = day
        seq = row["seq"]
        id = row["id"]
        timestamp = Timestamp(millisecondsSinceEpoch: row["timestamp_ms"])
        eventType = row["event_type"]
        agent = row["agent"]
        action = row["action"]
        target = row["target"]
        result = row["result"]
        riskLevel = row["risk_level"]
        json = String(decoding: row["leaf"] as Data, as: UTF8.self)
        previousHash = Hash32(Array(row["prev_hash"] as Data))
        entryHash = Hash32(Array(row["entry_hash"] as Data))
    }
}

/// Reads a ledger directory without writing to it: queries across days, lookups by id, the newest entries.
public struct LedgerReader: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Calls `body` for each matching entry, oldest first, until it returns false or the limit is reached.
    public func entries(matching query: AuditQuery, _ body: (StoredEntry) -> Bool) throws(AuditError) {
        var remaining = query.limit ?? Int.max
        let (condition, arguments) = query.sql
        for file in try LedgerFiles.days(in: directory) where query.mayMatch(day: file.day) {
            guard remaining > 0 else { return }
            let day = try LedgerDay.open(path: file.path, writable: false, load: false)
            defer { day.close() }
            var stopped = false
            do {
                try day.read { db in
                    let (first, end) = try Self.seqRange(
                        db, since: query.since?.millisecondsSinceEpoch, until: query.until?.millisecondsSinceEpoch)
                    let rows = try Row.fetchCursor(
                        db,
                        sql: "SELECT * FROM entries NOT INDEXED WHERE seq >= ? AND seq < ? AND \(condition) "
                            + "ORDER BY seq LIMIT ?",
                        arguments: [first, end] + arguments + [min(remaining, Int(Int32.max))])
                    while let row = try rows.next() {
                        remaining -= 1
                        if !body(StoredEntry(day: file.day, row: row)) || remaining == 0 {
                            stopped = true
                            return
                        }
                    }
                }
            } catch {
                throw .storage("cannot read \(file.path): \(error)")
            }
            if stopped { return }
        }
    }

    /// The entries of a day stamped in [`since`, `until`), as a range of sequence numbers [first, end).
    ///
    /// Queries read only the table, by its own key — the rows `audit verify` walks — and never a secondary index,
    /// which the hashes do not cover: an index altered to leave rows out would make an answer silently short.
    /// Times never go back within a day (the writer clamps them, verify checks it), so binary searches over
    /// sequence numbers find the range.
    static func seqRange(_ db: Database, since: Int64?, until: Int64?) throws -> (Int, Int) {
        let count = try Int.fetchOne(db, sql: "SELECT max(seq) FROM entries") ?? 0
        func firstStamped(atOrAfter time: Int64?) throws -> Int {
            guard let time else { return 1 }
            var low = 1
            var high = count + 1
            while low < high {
                let middle = (low + high) / 2
                let stamp =
                    try Int64.fetchOne(db, sql: "SELECT timestamp_ms FROM entries WHERE seq = ?", arguments: [middle])
                    ?? Int64.max
                if stamp < time { low = middle + 1 } else { high = middle }
            }
            return low
        }
        let first = try firstStamped(atOrAfter: since)
        var end = count + 1
        if until != nil { end = try firstStamped(atOrAfter: until) }
        return (first, end)
    }

    /// The newest `count` entries, oldest first.
    public func newest(_ count: Int) throws(AuditError) -> [StoredEntry] {
        var collected: [StoredEntry] = []
        for file in try LedgerFiles.days(in: directory).reversed() where collected.count < count {
            let day = try LedgerDay.open(path: file.path, writable: false, load: false)
            defer { day.close() }
            do {
                let rows = try day.read { db in
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM entries ORDER BY seq DESC LIMIT ?", arguments: [count - collected.count]
                    )
                }
                collected.append(contentsOf: rows.map { StoredEntry(day: file.day, row: $0) })
            } catch {
                throw .storage("cannot read \(file.path): \(error)")
            }
        }
        return collected.reversed()
    }

    /// Entries after (`day`, `seq`), oldest first: what `tail -f` prints next.
    public func entries(after position: (day: String, seq: Int)?) throws(AuditError) -> [StoredEntry] {
        var collected: [StoredEntry] = []
        for file in try LedgerFiles.days(in: directory) where position == nil || file.day >= position!.day {
            let after = position?.day == file.day ? position!.seq : 0
            let day = try LedgerDay.open(path: file.path, writable: false, load: false)
            defer { day.close() }
            do {
                let rows = try day.read { db in
                    try Row.fetchAll(db, sql: "SELECT * FROM entries WHERE seq > ? ORDER BY seq", arguments: [after])
                }
                collected.append(contentsOf: rows.map { StoredEntry(day: file.day, row: $0) })
            } catch {
                throw .storage("cannot read \(file.path): \(error)")
            }
        }
        return collected
    }

    /// The day file and entry with `id`. Ids carry their day, so only that day's file is searched.
    public func find(id: String) throws(AuditError) -> (file: LedgerFiles.DayFile, entry: StoredEntry)? {
        let parts = id.split(separator: "-")
        guard parts.count == 4, parts[0] == "audit", parts[1].count == 8 else {
            throw .input("'\(id)' is not an entry id (audit-YYYYMMDD-HHMMSS-xxxxxx)")
        }
        let digits = Array(parts[1])
        let day = "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))"
        guard let file = try LedgerFiles.days(in: directory).first(where: { $0.day == day }) else { return nil }
        let ledgerDay = try LedgerDay.open(path: file.path, writable: false, load: false)
        defer { ledgerDay.close() }
        do {
            // The id index answers quickly, and its answer is checked against the row it leads to; an id it does
            // not know is looked for in the table itself, so an index that leaves rows out cannot hide one.
            let row = try ledgerDay.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM entries WHERE id = ?", arguments: [id])
                    ?? Row.fetchOne(db, sql: "SELECT * FROM entries NOT INDEXED WHERE id = ?", arguments: [id])
            }
            guard let row else { return nil }
            guard row["id"] as String == id else {
                throw AuditError.tampered("\(file.path): its id index leads \(id) to another entry; run audit verify")
            }
            return (file, StoredEntry(day: day, row: row))
        } catch let error as AuditError {
            throw error
        } catch {
            throw .storage("cannot read \(file.path): \(error)")
        }
    }
}
