import Capabilities
import Foundation
import GRDB
import Testing

@testable import Audit

/// What lies around the hashed rows: indexes, the schema, the objects at a day file's path.
@Suite("Ledger structure")
struct LedgerStructureTests {
    /// A day with entries of two agents; the evil one's entries are 3, 6 and 9.
    static func twoAgents() throws -> LedgerFixture {
        let fixture = LedgerFixture()
        let ledger = try fixture.open()
        defer { ledger.close() }
        let drafts = (1...10).map {
            LedgerFixture.draft($0, agent: $0 % 3 == 0 ? "aios-agent-evil" : "aios-agent-good")
        }
        let (_, error) = ledger.append(contentsOf: drafts)
        if let error { throw error }
        return fixture
    }

    /// The real trick: rebuild the agent index as a partial one without the evil agent, then put the original SQL
    /// back through `writable_schema`, so SQLite believes it is complete.
    static func hideAgent(in fixture: LedgerFixture) throws {
        let queue = try DatabaseQueue(path: fixture.dayFiles.last!)
        try queue.writeWithoutTransaction { db in
            let original = try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_master WHERE name = 'entries_agent'")!
            try db.execute(sql: "DROP INDEX entries_agent")
            try db.execute(
                sql: "CREATE INDEX entries_agent ON entries(agent, timestamp_ms) WHERE agent != 'aios-agent-evil'")
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(
                sql: "UPDATE sqlite_master SET sql = ? WHERE name = 'entries_agent'", arguments: [original])
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        try queue.close()
        // The trick works on SQLite itself: an indexed lookup no longer sees the evil agent.
        let check = try DatabaseQueue(path: fixture.dayFiles.last!)
        let seen = try check.read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM entries WHERE agent = 'aios-agent-evil'")
        }
        #expect(seen == 0, "the hidden rows are invisible through the index")
        try check.close()
    }

    @Test("a partial index passed off as the full one fails verification")
    func hiddenRowsFailVerify() throws {
        let fixture = try Self.twoAgents()
        try Self.hideAgent(in: fixture)
        let report = fixture.verify()
        #expect(!report.intact)
        #expect(
            report.failure?.reason.contains("missing from index entries_agent") == true,
            "\(String(describing: report.failure))")
    }

    @Test("queries do not go through an index, so a doctored one hides nothing from them")
    func queriesIgnoreIndexes() throws {
        let fixture = try Self.twoAgents()
        try Self.hideAgent(in: fixture)
        var query = AuditQuery()
        query.agent = "aios-agent-evil"
        var seqs: [Int] = []
        try LedgerReader(directory: fixture.directory).entries(matching: query) { entry in
            seqs.append(entry.seq)
            return true
        }
        #expect(seqs == [3, 6, 9])
    }

    @Test("time bounds are answered from the table alone")
    func timeRanges() throws {
        let fixture = LedgerFixture(start: Timestamp(rfc3339: "2026-11-29T10:00:00Z")!)
        let ledger = try fixture.open()
        for number in 0..<10 {
            _ = ledger.append(contentsOf: [LedgerFixture.draft(number)])
            fixture.clock.advance(by: .seconds(60))
        }
        ledger.close()
        func seqs(_ filters: [(String, String)]) throws -> [Int] {
            let query = try AuditQuery(
                filters: filters.map { (name: $0.0, value: $0.1) }, now: Timestamp(rfc3339: "2026-11-30T00:00:00Z")!)
            var found: [Int] = []
            try LedgerReader(directory: fixture.directory).entries(matching: query) { entry in
                found.append(entry.seq)
                return true
            }
            return found
        }
        #expect(try seqs([("since", "2026-11-29T10:03:00Z"), ("until", "2026-11-29T10:06:00Z")]) == [4, 5, 6])
        #expect(try seqs([("since", "2026-11-29T10:08:30Z")]) == [10])
        #expect(try seqs([("until", "2026-11-29T10:00:00.001Z")]) == [1])
        #expect(try seqs([("since", "2026-11-29T11:00:00Z")]) == [])
    }

    @Test("an object the ledger never creates in the schema fails verification")
    func extraSchemaObject() throws {
        let fixture = try Self.twoAgents()
        let queue = try DatabaseQueue(path: fixture.dayFiles.last!)
        try queue.write { try $0.execute(sql: "CREATE VIEW everything AS SELECT * FROM entries") }
        try queue.close()
        let report = fixture.verify()
        #expect(
            report.failure?.reason.contains("never creates: everything") == true,
            "\(String(describing: report.failure))")
    }

    @Test("a directory at a day file's path is reported as a directory", arguments: ["directory", "symlink"])
    func foreignObject(_ kind: String) throws {
        let fixture = try Self.twoAgents()
        let path = fixture.dayFiles.last!
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        if kind == "directory" {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        } else {
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/etc/passwd")
        }
        let expected = kind == "directory" ? "is a directory" : "is a symbolic link"
        let report = fixture.verify()
        #expect(report.failure?.reason.contains(expected) == true, "\(String(describing: report.failure))")
        #expect(throws: AuditError.self) { try fixture.open() }
        do {
            _ = try fixture.open()
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
