import Capabilities
import Foundation
import GRDB
import Testing

@testable import Audit

@Suite("The audit ledger: durable, chained, checkpointed, verifiable")
struct LedgerTests {
    @Test("entries come back byte for byte in the spec's shape, with ids and times assigned by the ledger")
    func specShape() throws {
        let fixture = LedgerFixture()
        let entries = try fixture.fill(3)
        let stored = try LedgerReader(directory: fixture.directory).newest(10)
        #expect(stored.map(\.json) == entries.map(\.canonicalJSON))
        let first = stored[0].json
        #expect(
            first.hasPrefix(
                #"{"id":"audit-20261129-100000-"#))
        #expect(
            first.hasSuffix(
                #"","timestamp":"2026-11-29T10:00:00.000Z","event_type":"tool_call","agent":"aios-agent-system","action":"fs.write","target":"/etc/nginx/nginx.conf","capabilities_used":["fs:write:/etc/*"],"result":"success","risk_level":"medium","details":{"backup_created":true,"bytes_written":0},"decided_by":{"capability":"fs:write:/etc/*","role":"aios-agent-system"}}"#
            ))
        #expect(Set(entries.map(\.id)).count == 3)
    }

    @Test("an intact ledger verifies, with every entry covered by a signed checkpoint after close")
    func verifiesIntact() throws {
        let fixture = LedgerFixture()
        try fixture.fill(25)
        let report = fixture.verify()
        #expect(report.intact, "\(String(describing: report.failure))")
        #expect(report.entries == 25)
        #expect(report.days.first?.uncovered == 0)
    }

    @Test("the triggers refuse UPDATE, DELETE, INSERT OR REPLACE and out-of-sequence inserts")
    func triggers() throws {
        let fixture = LedgerFixture()
        try fixture.fill(2)
        let queue = try DatabaseQueue(path: fixture.dayFiles[0])
        let attempts = [
            "UPDATE entries SET agent = 'x' WHERE seq = 1",
            "DELETE FROM entries WHERE seq = 2",
            "INSERT OR REPLACE INTO entries SELECT * FROM entries WHERE seq = 1",
            "INSERT INTO entries (seq, id, timestamp_ms, event_type, agent, action, target, result, risk_level, leaf, prev_hash, entry_hash) VALUES (9, 'x', 0, 'tool_call', 'a', 'b', '', 'success', 'low', x'00', x'00', x'00')",
            "UPDATE ledger_meta SET genesis = zeroblob(32)",
        ]
        for sql in attempts {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.write { try $0.execute(sql: sql) } }
        }
        #expect(fixture.verify().intact)
    }

    struct Tampering: Sendable, CustomTestStringConvertible {
        let name: String
        let expected: String
        let apply: @Sendable (LedgerFixture) throws -> Void
        var testDescription: String { name }
    }

    static let tamperings: [Tampering] = [
        Tampering(name: "a changed byte in an entry", expected: "do not match its hash") {
            try $0.tamper("UPDATE entries SET leaf = replace(leaf, 'nginx', 'nginy') WHERE seq = 5")
        },
        Tampering(name: "a changed column", expected: "column agent differs") {
            try $0.tamper("UPDATE entries SET agent = 'someone-else' WHERE seq = 3")
        },
        Tampering(name: "a deleted entry", expected: "expected entry 4 next") {
            try $0.tamper("DELETE FROM entries WHERE seq = 4")
        },
        Tampering(name: "reordered entries", expected: "does not link") {
            try $0.tamper("UPDATE entries SET seq = -6 WHERE seq = 6")
            try $0.tamper("UPDATE entries SET seq = 6 WHERE seq = 7")
            try $0.tamper("UPDATE entries SET seq = 7 WHERE seq = -6")
        },
        Tampering(name: "a truncated tail", expected: "truncated") {
            try $0.tamper("DELETE FROM entries WHERE seq > 8")
        },
        Tampering(
            name: "a changed entry with the chain recomputed after it", expected: "do not match their signed checkpoint"
        ) {
            try $0.tamper("UPDATE entries SET leaf = replace(leaf, 'nginx', 'nginy') WHERE seq = 2")
            try $0.tamper("UPDATE entries SET target = '/etc/nginy/nginy.conf' WHERE seq = 2")
            try $0.recomputeChain(from: 2)
        },
        Tampering(name: "a replayed entry", expected: "id appears twice") {
            // The attacker rebuilds the table without its UNIQUE constraint, then replays entry 1 at the end.
            try $0.tamper("CREATE TABLE copy AS SELECT * FROM entries")
            try $0.tamper("DROP TABLE entries")
            try $0.tamper("ALTER TABLE copy RENAME TO entries")
            try $0.tamper(
                "INSERT INTO entries SELECT 11, id, timestamp_ms, event_type, agent, action, target, result, risk_level, task_id, leaf, (SELECT entry_hash FROM entries WHERE seq = 10), x'00' FROM entries WHERE seq = 1"
            )
            try $0.recomputeChain(from: 11)
        },
        Tampering(name: "a forged checkpoint line", expected: "signature does not verify") {
            let log = $0.directory + "/checkpoints.log"
            let text = try String(contentsOfFile: log, encoding: .utf8)
            try text.replacingOccurrences(of: "\\n10\\n", with: "\\n9\\n").write(
                toFile: log, atomically: true, encoding: .utf8)
        },
        Tampering(name: "a deleted day file", expected: "is missing") {
            try FileManager.default.removeItem(atPath: $0.dayFiles[0])
        },
    ]

    @Test("verify names the first bad entry for each kind of tampering", arguments: tamperings)
    func tampering(_ tampering: Tampering) throws {
        let fixture = LedgerFixture()
        try fixture.fill(10)
        try tampering.apply(fixture)
        let report = fixture.verify()
        #expect(!report.intact)
        #expect(report.failure?.reason.contains(tampering.expected) == true, "\(String(describing: report.failure))")
    }

    @Test("a ledger reopened after tampering with its checkpointed tail refuses to extend it")
    func refusesToExtendTampered() throws {
        let fixture = LedgerFixture()
        try fixture.fill(10)
        try fixture.tamper("DELETE FROM entries WHERE seq > 8")
        #expect(throws: AuditError.self) { try fixture.open() }
    }

    @Test("one file per UTC day, each chained to the previous day's final checkpoint")
    func rotation() throws {
        let fixture = LedgerFixture(start: Timestamp(rfc3339: "2026-11-29T23:59:59Z")!)
        let ledger = try fixture.open()
        _ = ledger.append(contentsOf: [LedgerFixture.draft(1), LedgerFixture.draft(2)])
        fixture.clock.advance(by: .seconds(2))
        let (late, error) = ledger.append(contentsOf: [LedgerFixture.draft(3)])
        ledger.close()
        #expect(error == nil)
        #expect(late.first?.timestamp.utcDay == "2026-11-30")
        #expect(
            fixture.dayFiles.map { URL(fileURLWithPath: $0).lastPathComponent } == [
                "ledger-2026-11-29.sqlite", "ledger-2026-11-30.sqlite",
            ])
        let report = fixture.verify()
        #expect(report.intact, "\(String(describing: report.failure))")
        #expect(report.days.map(\.entries) == [2, 1])
    }

    @Test("appends continue across a restart, and the chain holds")
    func reopen() throws {
        let fixture = LedgerFixture()
        try fixture.fill(5)
        fixture.clock.advance(by: .seconds(1))
        try fixture.fill(5)
        let report = fixture.verify()
        #expect(report.intact, "\(String(describing: report.failure))")
        #expect(report.entries == 10)
    }

    @Test("an inclusion proof verifies offline against the signed checkpoint, and not for another entry")
    func proofs() throws {
        let fixture = LedgerFixture()
        let entries = try fixture.fill(20)
        let reader = LedgerReader(directory: fixture.directory)
        let proof = try reader.prove(id: entries[6].id, verifier: fixture.signer.verifier)
        let reparsed = try InclusionProof(json: JSONParser.parse(proof.json.canonicalText))
        guard case .success(let checkpoint) = reparsed.verify(with: fixture.signer.verifier) else {
            Issue.record("the proof must verify")
            return
        }
        #expect(checkpoint.size == 20)
        let forged = InclusionProof(
            entry: entries[7].canonicalJSON, index: proof.index, treeSize: proof.treeSize, path: proof.path,
            checkpointNote: proof.checkpointNote)
        #expect((try? forged.verify(with: fixture.signer.verifier).get()) == nil)
    }

    /// The proof is made against the newest note that covers the entry and is signed: a note added to the log
    /// afterwards that claims more but whose signature does not hold is passed over, not trusted.
    @Test("a proof passes over a newer checkpoint note whose signature does not hold")
    func proofSkipsAnUnsignedNewerNote() throws {
        let fixture = LedgerFixture()
        let entries = try fixture.fill(20)
        let reader = LedgerReader(directory: fixture.directory)
        let genuine = try reader.prove(id: entries[6].id, verifier: fixture.signer.verifier)
        let log = fixture.directory + "/checkpoints.log"
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let last = try #require(lines.last.flatMap { try? JSONParser.parse(String($0)) })
        let note = try #require(last["note"]?.stringValue)
        // The same body with its size raised: the signature no longer covers it.
        var body = note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        body[1] = String((Int(body[1]) ?? 0) + 5)
        let forged = JSONValue.object([("note", .string(body.joined(separator: "\n")))]).canonicalText
        let handle = try #require(FileHandle(forWritingAtPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((forged + "\n").utf8))
        try handle.close()
        let proof = try reader.prove(id: entries[6].id, verifier: fixture.signer.verifier)
        #expect(proof.treeSize == genuine.treeSize && proof.checkpointNote == genuine.checkpointNote)
    }

    @Test("queries filter by agent, type, time, target prefix and limit")
    func queries() throws {
        let fixture = LedgerFixture()
        try fixture.fill(4, agent: "aios-agent-system")
        fixture.clock.advance(by: .seconds(60))
        try fixture.fill(3, agent: "aios-agent-task")
        let reader = LedgerReader(directory: fixture.directory)
        func count(_ filters: [(String, String)]) throws -> Int {
            var found = 0
            try reader.entries(matching: AuditQuery(filters: filters.map { ($0.0, $0.1) }, now: fixture.clock.now())) {
                _ in
                found += 1
                return true
            }
            return found
        }
        #expect(try count([]) == 7)
        #expect(try count([("agent", "aios-agent-task")]) == 3)
        #expect(try count([("since", "30s")]) == 3)
        #expect(try count([("type", "tool_call"), ("target-prefix", "/etc/nginx/")]) == 7)
        #expect(try count([("target-prefix", "/var")]) == 0)
        #expect(try count([("limit", "2")]) == 2)
        #expect(throws: AuditError.self) { try AuditQuery(filters: [("type", "tool-call")], now: .seconds(0)) }
        #expect(throws: AuditError.self) { try AuditQuery(filters: [("since", "yesterday")], now: .seconds(0)) }
        #expect(throws: AuditError.self) { try AuditQuery(filters: [("limit", "0")], now: .seconds(0)) }
    }

    @Test("the ledger's files are readable by their owner only")
    func fileModes() throws {
        let fixture = LedgerFixture()
        try fixture.fill(1)
        for path in fixture.dayFiles + [fixture.directory + "/checkpoints.log"] {
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
            #expect(mode & 0o077 == 0, "\(path) has mode \(String(mode, radix: 8))")
        }
    }
}

@Suite("Monthly archives")
struct ArchiveTests {
    func ledgerAcrossMonths() throws -> LedgerFixture {
        let fixture = LedgerFixture(start: Timestamp(rfc3339: "2026-10-30T12:00:00Z")!)
        let ledger = try fixture.open()
        for _ in 0..<3 {
            _ = ledger.append(contentsOf: [LedgerFixture.draft(1), LedgerFixture.draft(2)])
            fixture.clock.advance(by: .seconds(86_400))
        }
        ledger.close()
        return fixture
    }

    @Test("an archived month still verifies and answers queries; its live files are gone")
    func archiveVerifiesAndQueries() throws {
        let fixture = try ledgerAcrossMonths()
        let notes = try CheckpointLog(path: fixture.directory + "/checkpoints.log").notes()
        let archived = try LedgerArchive(directory: fixture.directory, signer: fixture.signer).archive(
            month: "2026-10", notes: notes)
        #expect(archived == 2)
        let manifest = fixture.directory + "/archive/2026-10/manifest.note"
        let mode = try FileManager.default.attributesOfItem(atPath: manifest)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the manifest is owner-only from its first byte")
        #expect(fixture.dayFiles.count == 3, "the listing includes archived days")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/ledger-2026-10-30.sqlite"))
        let report = fixture.verify()
        #expect(report.intact, "\(String(describing: report.failure))")
        #expect(report.entries == 6)
        var found = 0
        try LedgerReader(directory: fixture.directory).entries(matching: AuditQuery()) { _ in
            found += 1
            return true
        }
        #expect(found == 6)
    }

    @Test("the newest month is refused, and a changed archive file fails verification")
    func archiveGuards() throws {
        let fixture = try ledgerAcrossMonths()
        let notes = try CheckpointLog(path: fixture.directory + "/checkpoints.log").notes()
        let archive = LedgerArchive(directory: fixture.directory, signer: fixture.signer)
        #expect(throws: AuditError.self) { try archive.archive(month: "2026-11", notes: notes) }
        try archive.archive(month: "2026-10", notes: notes)
        let file = fixture.directory + "/archive/2026-10/ledger-2026-10-31.sqlite"
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        let report = fixture.verify()
        #expect(!report.intact)
        #expect(
            report.failure?.reason.contains("changed since it was archived") == true,
            "\(String(describing: report.failure))")
    }
}
