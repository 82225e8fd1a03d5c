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
                    let rows = try Row.fetchCursor(
                        db, sql: "SELECT * FROM entries WHERE \(condition) ORDER BY seq LIMIT ?",
                        arguments: arguments + [min(remaining, Int(Int32.max))])
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
            let row = try ledgerDay.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM entries WHERE id = ?", arguments: [id])
            }
            return row.map { (file, StoredEntry(day: day, row: $0)) }
        } catch {
            throw .storage("cannot read \(file.path): \(error)")
        }
    }
}
