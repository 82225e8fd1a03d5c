import Foundation

extension LedgerVerifier {
    /// One day file as verified: its metadata and the tree of its entries.
    struct VerifiedDay {
        let file: LedgerFiles.DayFile
        let genesis: Hash32
        let previousCheckpoint: String?
        let tree: MerkleTree
    }

    /// Checks where a day's chain starts and returns the day it follows (nil for the ledger's first day).
    ///
    /// The chain starts from the SHA-256 of the previous day's final checkpoint note (zeros for the first day),
    /// stored in the day's metadata with the note itself. Metadata is not signed, but the genesis is also in each
    /// of the day's signed checkpoints (`follows`), so the link cannot be moved. The note must be a checkpoint of
    /// the log, name the day file that comes just before (else days are missing), and match that day's entries —
    /// so the day before is pinned even if its own checkpoint lines are removed.
    func checkLink(_ day: VerifiedDay, previous: VerifiedDay?, notes: Set<String>) throws -> String? {
        let path = day.file.path
        guard let note = day.previousCheckpoint else {
            guard day.genesis == .zero else { throw fail(path, "its chain does not start from a checkpoint it names") }
            if let previous {
                throw fail(path, "starts the ledger anew, but \(previous.file.day) comes before it: it was relinked")
            }
            return nil
        }
        guard day.genesis == Hash32.sha256(Array(note.utf8)), let link = verifier.verify(note: note),
            notes.contains(note), let linked = Self.day(ofOrigin: link.origin)
        else { throw fail(path, "its link to the previous day is not a signed checkpoint of the log") }
        guard let previous else {
            throw fail(path, "the days up to \(linked) are missing: this day follows \(linked)'s final checkpoint")
        }
        guard previous.file.day >= linked else {
            throw fail(path, "day \(linked) is missing: this day follows its final checkpoint")
        }
        guard previous.file.day == linked else {
            throw fail(path, "follows \(linked), so \(previous.file.day) between them is not part of the ledger")
        }
        guard previous.tree.size == link.size, previous.tree.root(size: link.size) == link.root else {
            throw fail(
                previous.file.path,
                "holds \(previous.tree.size) entries that do not match the final checkpoint the next day follows "
                    + "(\(link.size) entries): it was cut or rewritten")
        }
        return linked
    }

    /// The day of an origin `aios.local/audit/YYYY-MM-DD`.
    static func day(ofOrigin origin: String) -> String? {
        let prefix = Ledger.origin(day: "")
        guard origin.hasPrefix(prefix) else { return nil }
        let day = String(origin.dropFirst(prefix.count))
        return LedgerDay.day(ofFileName: LedgerDay.fileName(day: day)) == day ? day : nil
    }
}
