import Capabilities
import Crypto
import Foundation
import GRDB
import SecurityTesting

@testable import Audit

/// A ledger in a fresh directory, with a manual clock and its own key.
///
/// Unit tests keep their ledgers in memory: on `/dev/shm` (tmpfs), the real SQLite files, triggers and fsyncs run
/// without touching a disk. Tests about the disk itself (write failures, SIGKILL) ask for `.disk`.
final class LedgerFixture {
    enum Storage {
        case memory
        case disk
    }

    let directory: String
    let clock: ManualClock
    let signer: CheckpointSigner

    init(start: Timestamp = Timestamp(rfc3339: "2026-11-29T10:00:00Z")!, storage: Storage = .memory) {
        let memory = "/dev/shm"
        let base =
            storage == .memory && FileManager.default.isWritableFile(atPath: memory)
            ? URL(fileURLWithPath: memory) : FileManager.default.temporaryDirectory
        directory = base.appendingPathComponent("aios-ledger-\(UUID().uuidString)").path
        clock = ManualClock(start)
        signer = CheckpointSigner(name: AuditKeys.keyName, key: Curve25519.Signing.PrivateKey())
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func open() throws -> Ledger { try Ledger(directory: directory, signer: signer, clock: clock) }

    static func draft(_ number: Int, agent: String = "aios-agent-system", type: AuditEventType = .toolCall)
        -> AuditDraft
    {
        AuditDraft(
            eventType: type, agent: agent, action: "fs.write", target: "/etc/nginx/nginx.conf",
            capabilitiesUsed: ["fs:write:/etc/*"], result: .success, riskLevel: .medium,
            details: .object([("bytes_written", .integer(Int64(number))), ("backup_created", .bool(true))]),
            decidedBy: DecisionRecord(capability: "fs:write:/etc/*", role: "aios-agent-system"))
    }

    /// Appends `count` entries and closes the ledger (which writes a final checkpoint).
    @discardableResult
    func fill(_ count: Int, agent: String = "aios-agent-system") throws -> [AuditEntry] {
        let ledger = try open()
        defer { ledger.close() }
        let (entries, error) = ledger.append(contentsOf: (0..<count).map { Self.draft($0, agent: agent) })
        if let error { throw error }
        return entries
    }

    func verify() -> VerificationReport {
        LedgerVerifier(directory: directory, verifier: signer.verifier).verify()
    }

    var dayFiles: [String] { (try? LedgerFiles.days(in: directory).map(\.path)) ?? [] }

    /// Changes a day file as an attacker would (see ``withoutTriggers(_:_:)``).
    func tamper(_ sql: String, in path: String? = nil, arguments: StatementArguments = []) throws {
        try Self.withoutTriggers(path ?? dayFiles.last!) { db in try db.execute(sql: sql, arguments: arguments) }
    }

    /// Runs `body` on a day file as a careful attacker would: raw SQLite, the triggers dropped first and put back
    /// after (those whose table still exists), so the schema looks untouched.
    static func withoutTriggers(_ path: String, _ body: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.writeWithoutTransaction { db in
            let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger["name"] as String)") }
            try body(db)
            for trigger in triggers { try? db.execute(sql: trigger["sql"] as String) }
        }
    }

    /// Rewrites every entry hash from `seq` on, as an attacker who changed an entry would.
    func recomputeChain(from seq: Int, in path: String? = nil) throws {
        try Self.withoutTriggers(path ?? dayFiles.last!) { db in
            var previous =
                try Data.fetchOne(db, sql: "SELECT entry_hash FROM entries WHERE seq = ?", arguments: [seq - 1])
                ?? Data.fetchOne(db, sql: "SELECT genesis FROM ledger_meta")!
            for row in try Row.fetchAll(
                db, sql: "SELECT seq, leaf FROM entries WHERE seq >= ? ORDER BY seq", arguments: [seq])
            {
                let hash = Data(LedgerDay.chainHash(previous: Hash32(previous)!, leaf: row["leaf"] as Data).array)
                try db.execute(
                    sql: "UPDATE entries SET prev_hash = ?, entry_hash = ? WHERE seq = ?",
                    arguments: [previous, hash, row["seq"] as Int])
                previous = hash
            }
        }
    }

    // MARK: An attacker without the key, working on whole days

    var checkpointLog: String { directory + "/checkpoints.log" }

    /// The signed notes of the log, in order.
    func notes() throws -> [String] { try CheckpointLog(path: checkpointLog).notes().map(\.note) }

    /// The newest note of `day` in the log.
    func finalNote(of day: String) throws -> String? {
        try notes().last { signer.verifier.verify(note: $0)?.origin == Ledger.origin(day: day) }
    }

    /// Removes every line of `day` from the checkpoint log (or those after its first `keep` lines).
    func removeCheckpoints(of day: String, keeping keep: Int = 0) throws {
        var kept = 0
        var lines: [String] = []
        for note in try notes() {
            if signer.verifier.verify(note: note)?.origin == Ledger.origin(day: day) {
                kept += 1
                if kept > keep { continue }
            }
            lines.append(JSONValue.object([("note", .string(note))]).canonicalText + "\n")
        }
        try lines.joined().write(toFile: checkpointLog, atomically: true, encoding: .utf8)
    }

    /// Points a day file at another predecessor (`note`, or none) and recomputes its whole chain from there.
    func relink(_ path: String, to note: String?) throws {
        try Self.withoutTriggers(path) { db in
            try db.execute(
                sql: "UPDATE ledger_meta SET genesis = ?, previous_checkpoint = ?",
                arguments: [Data((note.map { Hash32.sha256(Array($0.utf8)) } ?? .zero).array), note])
        }
        try recomputeChain(from: 1, in: path)
    }

    func path(of day: String) -> String { directory + "/" + LedgerDay.fileName(day: day) }
}
