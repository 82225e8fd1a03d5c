import Capabilities
import Foundation
import GRDB

/// Monthly archives: `archive/YYYY-MM/` holds a compact copy of each day file of the month (`VACUUM INTO`,
/// rollback journal, mode 0600) and `manifest.note`, a signed note listing each day's entry count, chain head,
/// final checkpoint (the signed note itself, so the archive stands on its own) and file hash. The originals are removed only after the copies are checked. Archived days stay in
/// the ledger: `verify` walks them with the live days, and queries read them.
public struct LedgerArchive {
    public let directory: String
    public let signer: CheckpointSigner

    public init(directory: String, signer: CheckpointSigner) {
        self.directory = directory
        self.signer = signer
    }

    public static let manifestFile = "manifest.note"

    static func origin(month: String) -> String { "aios.local/audit/archive/\(month)" }

    /// Archives every day of `month` (`YYYY-MM`). Refuses the month that holds the newest day, which the writer
    /// may still extend. Returns the number of days archived.
    @discardableResult
    public func archive(month: String, notes: [(line: Int, note: String)]) throws(AuditError) -> Int {
        guard month.count == 7, Timestamp.isMonth(month) else { throw .input("'\(month)' is not a month (YYYY-MM)") }
        let live = try LedgerFiles.days(in: directory, includingArchives: false)
        let days = live.filter { $0.day.hasPrefix(month + "-") }
        guard !days.isEmpty else { throw .notFound("no live day files for \(month)") }
        guard let newest = live.last, !newest.day.hasPrefix(month) else {
            throw .input("\(month) holds the newest day, which the ledger may still extend; archive it next month")
        }
        let target = directory + "/archive/" + month
        try Ledger.ensureDirectory(target)
        var lines: [String] = []
        for file in days {
            let copy = target + "/" + LedgerDay.fileName(day: file.day)
            try? FileManager.default.removeItem(atPath: copy)
            let (count, head) = try compact(file.path, into: copy)
            let origin = Ledger.origin(day: file.day)
            let signed = notes.compactMap { line in signer.verifier.verify(note: line.note).map { ($0, line.note) } }
            guard let (final, note) = signed.last(where: { $0.0.origin == origin }), final.size == count
            else {
                throw .tampered("\(file.path) has no final checkpoint covering its \(count) entries; run audit verify")
            }
            guard let data = FileManager.default.contents(atPath: copy) else { throw .storage("cannot read \(copy)") }
            lines.append(
                JSONValue.object([
                    ("day", .string(file.day)), ("entries", .integer(Int64(count))), ("head", .string(head.base64)),
                    ("root", .string(final.root.base64)), ("sha256", .string(Hash32.sha256(data).base64)),
                    ("checkpoint", .string(note)),
                ]).canonicalText)
        }
        let manifest: String
        do {
            manifest = try signer.sign(body: Self.origin(month: month) + "\n" + lines.joined(separator: "\n") + "\n")
        } catch {
            throw .key("cannot sign the manifest: \(error)")
        }
        let manifestPath = target + "/" + Self.manifestFile
        try? FileManager.default.removeItem(atPath: manifestPath)  // a re-run after an interrupted archive
        try NewFile.write(manifest, to: manifestPath, mode: 0o600)
        for file in days {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) }
        }
        return days.count
    }

    /// `VACUUM INTO` a compact copy, switch it to a rollback journal (so it opens read-only without a WAL), and
    /// check it holds the same entries ending in the same chain head.
    private func compact(_ path: String, into copy: String) throws(AuditError) -> (Int, Hash32) {
        do {
            let source = try DatabaseQueue(path: path)
            let original = try source.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM entries") ?? 0,
                    try Data.fetchOne(db, sql: "SELECT entry_hash FROM entries ORDER BY seq DESC LIMIT 1")
                )
            }
            try source.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
            try source.close()
            chmod(copy, 0o600)
            let target = try DatabaseQueue(path: copy)
            let copied = try target.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                return (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM entries") ?? 0,
                    try Data.fetchOne(db, sql: "SELECT entry_hash FROM entries ORDER BY seq DESC LIMIT 1")
                )
            }
            try target.close()
            guard copied.0 == original.0, copied.1 == original.1 else {
                throw AuditError.storage("the archive copy of \(path) differs from the original")
            }
            return (original.0, original.1.flatMap(Hash32.init) ?? .zero)
        } catch let error as AuditError {
            throw error
        } catch {
            throw .storage("cannot archive \(path): \(error)")
        }
    }

    /// Checks an archived month's manifest: its signature with the pinned key, and every listed file's hash.
    static func verifyManifest(directory monthDirectory: String, month: String, verifier: CheckpointVerifier)
        -> String?
    {
        let path = monthDirectory + "/" + manifestFile
        guard let note = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }),
            let body = verifier.verifiedBody(of: note)
        else { return "\(path): missing, or its signature does not verify with the pinned key" }
        let lines = body.split(separator: "\n")
        guard lines.first.map(String.init) == origin(month: month) else { return "\(path): names another month" }
        var listed: Set<String> = []
        for line in lines.dropFirst() {
            guard let value = try? JSONParser.parse(String(line)), let day = value["day"]?.stringValue,
                let hash = value["sha256"]?.stringValue, let note = value["checkpoint"]?.stringValue,
                case .integer(let entries)? = value["entries"]
            else { return "\(path): an unreadable line" }
            guard let checkpoint = verifier.verify(note: note), checkpoint.origin == Ledger.origin(day: day),
                checkpoint.size == entries, checkpoint.root.base64 == value["root"]?.stringValue
            else { return "\(path): the final checkpoint listed for \(day) does not verify or does not match" }
            let file = monthDirectory + "/" + LedgerDay.fileName(day: day)
            guard let data = FileManager.default.contents(atPath: file), Hash32.sha256(data).base64 == hash else {
                return "\(file): missing or changed since it was archived"
            }
            listed.insert(LedgerDay.fileName(day: day))
        }
        let present =
            (try? FileManager.default.contentsOfDirectory(atPath: monthDirectory))?.filter {
                LedgerDay.day(ofFileName: $0) != nil
            } ?? []
        if let extra = present.first(where: { !listed.contains($0) }) {
            return "\(monthDirectory)/\(extra): not in the manifest"
        }
        return nil
    }
}

extension Timestamp {
    static func isMonth(_ text: String) -> Bool { Timestamp(rfc3339: text + "-01T00:00:00Z") != nil }
}
