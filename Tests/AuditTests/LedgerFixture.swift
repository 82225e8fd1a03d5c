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

    /// Opens a day file as an attacker would: raw SQLite, triggers dropped.
    func tamper(_ sql: String, in path: String? = nil, arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: path ?? dayFiles.last!)
        try queue.writeWithoutTransaction { db in
            for trigger in ["entries_no_update", "entries_no_delete", "entries_extend_chain"] {
                try db.execute(sql: "DROP TRIGGER IF EXISTS \(trigger)")
            }
            try db.execute(sql: sql, arguments: arguments)
        }
    }

    /// Rewrites every entry hash from `seq` on, as an attacker who changed an entry would.
    func recomputeChain(from seq: Int) throws {
        let queue = try DatabaseQueue(path: dayFiles.last!)
        try queue.writeWithoutTransaction { db in
            for trigger in ["entries_no_update", "entries_no_delete", "entries_extend_chain"] {
                try db.execute(sql: "DROP TRIGGER IF EXISTS \(trigger)")
            }
            var previous =
                try Data.fetchOne(db, sql: "SELECT entry_hash FROM entries WHERE seq = ?", arguments: [seq - 1])
                ?? Data(count: 32)
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
}
