import GRDB

/// A place in the ledger: an entry's day and sequence number. A page of newest-first results continues before it.
public struct LedgerPosition: Hashable, Sendable, CustomStringConvertible {
    public let day: String
    public let seq: Int

    public init(day: String, seq: Int) {
        self.day = day
        self.seq = seq
    }

    /// `YYYY-MM-DD.SEQ`, the form a page link carries.
    public var description: String { "\(day).\(seq)" }

    /// Reads ``description``; nil for anything else (the day is checked digit by digit, the number is digits only,
    /// without a sign or a leading zero, and bounded).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 10, (1...10).contains(parts[1].utf8.count),
            parts[1].utf8.first != UInt8(ascii: "0"),
            parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let seq = Int(parts[1])
        else { return nil }
        let day = Array(parts[0].utf8)
        for (index, byte) in day.enumerated() {
            let isDash = index == 4 || index == 7
            guard isDash ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                return nil
            }
        }
        self.init(day: String(parts[0]), seq: seq)
    }
}

/// One page of a newest-first search.
public struct AuditPage: Sendable {
    /// Newest first.
    public var entries: [StoredEntry] = []
    /// Where the next (older) page starts; nil when the search reached the ledger's oldest entry.
    public var next: LedgerPosition?
    /// How many entries were looked at to fill this page.
    public var examined = 0
}

extension LedgerReader {
    /// Up to `limit` entries matching `query`, newest first, older than `before` (from the newest when nil).
    ///
    /// At most `budget` entries are looked at, whatever the filters: a search whose matches are rare answers
    /// with fewer entries and a ``AuditPage/next`` position to continue from, instead of scanning a whole ledger
    /// in one request. `query.limit` is not used (the page's `limit` is the bound).
    public func page(matching query: AuditQuery, before: LedgerPosition?, limit: Int, budget: Int)
        throws(AuditError) -> AuditPage
    {
        var page = AuditPage()
        let (condition, arguments) = query.sql
        let files = try LedgerFiles.days(in: directory).reversed().filter { file in
            query.mayMatch(day: file.day) && (before.map { file.day <= $0.day } ?? true)
        }
        for file in files {
            let day = try LedgerDay.open(path: file.path, writable: false, load: false)
            defer { day.close() }
            do {
                try day.read { db in
                    let (first, end) = try Self.seqRange(
                        db, since: query.since?.millisecondsSinceEpoch, until: query.until?.millisecondsSinceEpoch)
                    let upper = before?.day == file.day ? min(end, before!.seq) : end
                    let lower = max(first, upper - (budget - page.examined))
                    guard upper > lower else {
                        if upper > first { page.next = LedgerPosition(day: file.day, seq: upper) }
                        return
                    }
                    // By the table's own key, never a secondary index (see seqRange).
                    let rows = try Row.fetchCursor(
                        db,
                        sql: "SELECT * FROM entries NOT INDEXED WHERE seq >= ? AND seq < ? AND \(condition) "
                            + "ORDER BY seq DESC LIMIT ?",
                        arguments: [lower, upper] + arguments + [limit - page.entries.count])
                    var lowest = lower
                    while let row = try rows.next() {
                        let entry = StoredEntry(day: file.day, row: row)
                        page.entries.append(entry)
                        lowest = entry.seq
                    }
                    let full = page.entries.count == limit
                    page.examined += upper - (full ? lowest : lower)
                    if full, lowest > first {
                        page.next = LedgerPosition(day: file.day, seq: lowest)
                    } else if !full, lower > first {
                        page.next = LedgerPosition(day: file.day, seq: lower)
                    } else {
                        page.next = nil
                    }
                }
            } catch let error as AuditError {
                throw error
            } catch {
                throw .storage("cannot read \(file.path): \(error)")
            }
            if page.next != nil { return page }
            if page.entries.count == limit {
                // The page ended at this day's first matching entry: older days may hold more.
                page.next = LedgerPosition(day: file.day, seq: 1)
                return page
            }
        }
        return page
    }
}
