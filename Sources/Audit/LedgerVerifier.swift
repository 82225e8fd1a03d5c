import Capabilities
import Foundation

/// What `audit verify` found.
public struct VerificationReport: Sendable {
    public struct Day: Sendable {
        public let day: String
        public let path: String
        public let entries: Int
        public let checkpoints: Int
        /// Entries after the newest checkpoint of the day: verified by the chain only, see ``LedgerVerifier``.
        public let uncovered: Int
        /// The day whose final checkpoint this day's chain starts from; nil for the ledger's first day.
        public let follows: String?
        /// Whether a signed checkpoint of this day commits to that link. False for days whose checkpoints were
        /// all written before checkpoints carried the link (or a newest day with no checkpoint yet): their place
        /// in the ledger rests on unsigned metadata.
        public let linkSigned: Bool
    }

    /// The first problem: where and why.
    public struct Failure: Sendable, CustomStringConvertible {
        public let file: String
        public let seq: Int?
        public let id: String?
        public let reason: String

        public var description: String {
            var place = file
            if let seq { place += " entry \(seq)" }
            if let id { place += " (\(id))" }
            return "\(place): \(reason)"
        }
    }

    public var days: [Day] = []
    public var checkpoints = 0
    public var failure: Failure?
    public var intact: Bool { failure == nil }
    public var entries: Int { days.reduce(0) { $0 + $1.entries } }
}

/// Verifies a ledger offline: every day file's structure and every entry, the chain, the Merkle tree, every
/// checkpoint in the log (signatures checked against one pinned key), and how the days link.
///
/// It catches any change to stored bytes or columns, deleted, inserted, reordered or replayed entries, an index
/// that disagrees with its table, a missing, cut, rewritten or substituted day file — past days are bound to
/// each other by signed checkpoints, and a closed day must end in a checkpoint covering all of it — and,
/// wherever a checkpoint covers the entries, truncation and a recomputed tail. It cannot catch changes to entries
/// after the newest checkpoint, nor the newest day removed together with its checkpoints, unless a copy of the
/// checkpoints taken off the machine is given as `checkpointLog`; ``VerificationReport/Day/uncovered`` counts
/// such entries. Whoever holds the signing key can sign a new history.
public struct LedgerVerifier {
    public let directory: String
    /// The checkpoint log trusted for the check: the local one, or an off-machine copy that the local log must
    /// contain.
    public let checkpointLog: String
    public let verifier: CheckpointVerifier
    /// Where the entries read so far are counted while ``verify()`` runs.
    public let progress: VerificationProgress?

    var localLog: String { directory + "/" + CheckpointLog.fileName }

    public init(
        directory: String, checkpointLog: String? = nil, verifier: CheckpointVerifier,
        progress: VerificationProgress? = nil
    ) {
        self.directory = directory
        self.progress = progress
        self.checkpointLog = checkpointLog ?? directory + "/" + CheckpointLog.fileName
        self.verifier = verifier
    }

    public func verify() -> VerificationReport {
        var report = VerificationReport()
        do {
            try run(&report)
        } catch let failure as FailureSignal {
            report.failure = failure.failure
        } catch {
            report.failure = .init(file: directory, seq: nil, id: nil, reason: "\(error)")
        }
        return report
    }

    struct FailureSignal: Error {
        let failure: VerificationReport.Failure
    }

    func fail(_ file: String, _ reason: String, seq: Int? = nil, id: String? = nil) -> FailureSignal {
        FailureSignal(failure: .init(file: file, seq: seq, id: id, reason: reason))
    }

    /// A verified checkpoint and where it came from.
    struct LoggedCheckpoint {
        let line: Int
        let checkpoint: Checkpoint
        let note: String
    }

    /// Every checkpoint of a log, each verified with the pinned key, sizes never going back per day.
    private func read(log path: String) throws -> [LoggedCheckpoint] {
        var logged: [LoggedCheckpoint] = []
        var newest: [String: Int] = [:]
        for (line, note) in try CheckpointLog(path: path).notes() {
            guard let checkpoint = verifier.verify(note: note) else {
                throw fail(path, "line \(line): the checkpoint's signature does not verify with the pinned key")
            }
            if let previous = newest[checkpoint.origin], previous > checkpoint.size {
                throw fail(path, "line \(line): tree size went back from \(previous) to \(checkpoint.size)")
            }
            newest[checkpoint.origin] = checkpoint.size
            logged.append(LoggedCheckpoint(line: line, checkpoint: checkpoint, note: note))
        }
        return logged
    }

    private func run(_ report: inout VerificationReport) throws {
        let logged = try read(log: localLog)
        if checkpointLog != localLog {
            // The off-machine copy is what the local log is held to: a checkpoint it has and the local log lacks
            // was removed here.
            let local = Set(logged.map(\.note))
            for copy in try read(log: checkpointLog) where !local.contains(copy.note) {
                throw fail(
                    localLog,
                    "lacks the checkpoint of \(copy.checkpoint.origin) at size \(copy.checkpoint.size) that "
                        + "\(checkpointLog) holds (line \(copy.line)): checkpoints were removed")
            }
        }
        var byOrigin: [String: [Checkpoint]] = [:]
        var originOrder: [String] = []
        for entry in logged {
            if byOrigin[entry.checkpoint.origin] == nil { originOrder.append(entry.checkpoint.origin) }
            byOrigin[entry.checkpoint.origin, default: []].append(entry.checkpoint)
        }
        report.checkpoints = logged.count
        for (month, path) in try LedgerFiles.archivedMonths(in: directory) {
            if let problem = LedgerArchive.verifyManifest(directory: path, month: month, verifier: verifier) {
                throw fail(path, problem)
            }
        }
        let files = try LedgerFiles.days(in: directory)
        let origins = Set(files.map { Ledger.origin(day: $0.day) })
        for origin in originOrder where !origins.contains(origin) {
            throw fail(directory, "the day file of checkpointed log \(origin) is missing")
        }
        let notes = Set(logged.map(\.note))
        var previous: VerifiedDay? = nil
        for (index, file) in files.enumerated() {
            let checkpoints = byOrigin[Ledger.origin(day: file.day)] ?? []
            let day = try verifyDay(file, checkpoints: checkpoints)
            let follows = try checkLink(day, previous: previous, notes: notes)
            if index < files.count - 1 {
                guard let final = checkpoints.last else {
                    throw fail(file.path, "a closed day without a final checkpoint: its checkpoints were removed")
                }
                guard final.size == day.tree.size else {
                    throw fail(
                        file.path,
                        "the day holds \(day.tree.size) entries but its final checkpoint covers \(final.size)")
                }
            }
            let covered = checkpoints.last?.size ?? 0
            report.days.append(
                VerificationReport.Day(
                    day: file.day, path: file.path, entries: day.tree.size, checkpoints: checkpoints.count,
                    uncovered: day.tree.size - covered, follows: follows,
                    linkSigned: checkpoints.contains { $0.follows != nil }))
            previous = day
        }
    }
}
