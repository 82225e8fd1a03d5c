import Audit
import Capabilities
import Foundation
import GRDB

/// The human review queue, in a SQLite file of the daemon's state (it outlives restarts; the ledger holds the
/// record of each item's creation and acknowledgement, this file only the queue's state).
///
/// Bounded: at most ``maximumOpen`` items wait; past it ``add(_:at:)`` refuses, and the caller records that
/// refusal in the ledger instead — a flood of findings must not grow the file without end.
public final class ReviewQueue: Sendable {
    public static let maximumOpen = 10_000
    private let database: DatabaseQueue

    /// Opens (creating when absent) the queue at `path`, mode 0600.
    public init(path: String) throws(GuardError) {
        do {
            database = try DatabaseQueue(path: path)
            chmod(path, 0o600)
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS reviews (
                            id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, created INTEGER NOT NULL,
                            summary TEXT NOT NULL, entry_ids TEXT NOT NULL, details TEXT NOT NULL,
                            state TEXT NOT NULL, acknowledged_by TEXT, acknowledged INTEGER, note TEXT);
                        CREATE INDEX IF NOT EXISTS reviews_by_state ON reviews (state, created);
                        """)
            }
        } catch {
            throw GuardError("cannot open the review queue \(path): \(error)")
        }
    }

    /// Queues an item; refuses when ``maximumOpen`` items are open.
    @discardableResult
    public func add(_ draft: ReviewDraft, at now: Timestamp) throws(GuardError) -> ReviewItem {
        let item = ReviewItem(
            id: "review-" + UUID().uuidString.lowercased(), kind: draft.kind, created: now,
            summary: Self.cut(draft.summary, to: ReviewItem.maximumSummaryBytes), entryIDs: draft.entryIDs,
            details: draft.details, state: .open)
        do {
            try database.write { db in
                let open = try Int.fetchOne(db, sql: "SELECT count(*) FROM reviews WHERE state = 'open'") ?? 0
                guard open < Self.maximumOpen else {
                    throw GuardError("the review queue holds \(open) open items (the most): acknowledge some")
                }
                try db.execute(
                    sql: "INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, 'open', NULL, NULL, NULL)",
                    arguments: [
                        item.id, item.kind.rawValue, now.millisecondsSinceEpoch, item.summary,
                        JSONValue.array(item.entryIDs.map(JSONValue.string)).canonicalText, item.details.canonicalText,
                    ])
            }
        } catch let error as GuardError {
            throw error
        } catch {
            throw GuardError("cannot add to the review queue: \(error)")
        }
        return item
    }

    /// Newest first; open ones only unless `all`.
    public func list(all: Bool, limit: Int) throws(GuardError) -> (items: [ReviewItem], open: Int) {
        do {
            return try database.read { db in
                let open = try Int.fetchOne(db, sql: "SELECT count(*) FROM reviews WHERE state = 'open'") ?? 0
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM reviews \(all ? "" : "WHERE state = 'open' ")ORDER BY created DESC, id LIMIT ?",
                    arguments: [limit])
                return (try rows.map(Self.item), open)
            }
        } catch let error as GuardError {
            throw error
        } catch {
            throw GuardError("cannot read the review queue: \(error)")
        }
    }

    public func item(id: String) throws(GuardError) -> ReviewItem? {
        do {
            return try database.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM reviews WHERE id = ?", arguments: [id]).map(Self.item)
            }
        } catch let error as GuardError {
            throw error
        } catch {
            throw GuardError("cannot read the review queue: \(error)")
        }
    }

    /// Marks an open item acknowledged by `who`; an unknown or already acknowledged item is an error.
    public func acknowledge(
        id: String, by who: String, note: String, at now: Timestamp
    ) throws(GuardError) -> ReviewItem {
        guard note.utf8.count <= ReviewItem.maximumNoteBytes else {
            throw GuardError("the note holds \(note.utf8.count) bytes; at most \(ReviewItem.maximumNoteBytes)")
        }
        do {
            return try database.write { db in
                guard
                    var item = try Row.fetchOne(db, sql: "SELECT * FROM reviews WHERE id = ?", arguments: [id])
                        .map(Self.item)
                else { throw GuardError("no review item \(id.prefix(64))") }
                guard item.state == .open else {
                    throw GuardError("\(id) was acknowledged by \(item.acknowledgedBy ?? "someone") already")
                }
                try db.execute(
                    sql: "UPDATE reviews SET state = 'acknowledged', acknowledged_by = ?, acknowledged = ?, note = ? "
                        + "WHERE id = ?",
                    arguments: [who, now.millisecondsSinceEpoch, note, id])
                item.state = .acknowledged
                item.acknowledgedBy = who
                item.acknowledged = now
                item.note = note
                return item
            }
        } catch let error as GuardError {
            throw error
        } catch {
            throw GuardError("cannot update the review queue: \(error)")
        }
    }

    private static func item(_ row: Row) throws -> ReviewItem {
        let kindText: String = row["kind"]
        let stateText: String = row["state"]
        guard let kind = ReviewItem.Kind(rawValue: kindText), let state = ReviewItem.State(rawValue: stateText) else {
            throw GuardError("the review queue holds an item of unknown kind or state")
        }
        let entries = try JSONParser.parse(row["entry_ids"] as String)
        guard case .array(let ids) = entries else { throw GuardError("the review queue holds malformed entry ids") }
        return ReviewItem(
            id: row["id"], kind: kind, created: Timestamp(millisecondsSinceEpoch: row["created"]),
            summary: row["summary"], entryIDs: ids.compactMap(\.stringValue),
            details: try JSONParser.parse(row["details"] as String), state: state,
            acknowledgedBy: row["acknowledged_by"],
            acknowledged: (row["acknowledged"] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:)),
            note: row["note"])
    }

    /// `text` cut to at most `limit` UTF-8 bytes, at a character boundary.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        for character in text {
            guard result.utf8.count + character.utf8.count <= limit else { break }
            result.append(character)
        }
        return result
    }
}
