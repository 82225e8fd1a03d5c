import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Follows sshd's entries in the systemd journal with `journalctl --output=json`, the journal's own reader (its file
/// format is not ours to parse), and hands over the message of each entry ``SSHDJournalTrust`` accepts. journalctl
/// selects candidates by `_EXE`; every entry is checked again here.
///
/// It polls: every ``interval`` one journalctl reads what was added after the last entry seen (`--after-cursor`),
/// so nothing is lost or read twice, whatever happens to a journalctl. `journalctl --follow` is not used: it waits
/// for journald's change notifications, which journald does not send for every entry (measured: the last entries
/// of a burst waited for the next write). It starts at the end of the journal: history is what `ids replay` is for.
public final class JournalFollower: Sendable {
    /// A journal directory (`--directory`); nil: the system journal.
    public let directory: String?
    public let trust: SSHDJournalTrust
    public let interval: Duration
    let journalctl: String
    private let stopping = Atomic<Bool>(false)
    private let counters = Mutex(JournalStatistics())

    public init(
        directory: String? = nil, trust: SSHDJournalTrust = SSHDJournalTrust(), interval: Duration = .seconds(1),
        journalctl: String = "/usr/bin/journalctl"
    ) {
        self.directory = directory
        self.trust = trust
        self.interval = interval
        self.journalctl = journalctl
    }

    public var statistics: JournalStatistics { counters.withLock { $0 } }

    /// Reads until ``stop()``: `handler` gets each of sshd's messages with the sender's pid, `idle` runs about every
    /// 250 ms and after each poll. Run it on a thread of its own. Throws when journalctl cannot run at all (it is
    /// missing, or its first run fails, e.g. on a directory that is no journal); a later failed poll is counted
    /// and retried.
    public func run(_ handler: ([UInt8], Int32?) -> Void, idle: () -> Void = {}) throws(DetectionError) {
        var cursor = try tail()
        while !stopping.load(ordering: .relaxed) {
            var process = try JournalProcess(arguments: arguments(after: cursor), journalctl: journalctl)
            process.readLines(until: { stopping.load(ordering: .relaxed) }, idle: idle) { line in
                consume(line, cursor: &cursor, handler)
            }
            if process.finish() != 0 { counters.withLock { $0.failedPolls += 1 } }
            counters.withLock { $0.polls += 1 }
            idle()
            let ticks = max(1, Int(interval / .milliseconds(50)))
            for _ in 0..<ticks where !stopping.load(ordering: .relaxed) { usleep(50_000) }
        }
    }

    /// Ends ``run(_:idle:)`` within 250 ms.
    public func stop() { stopping.store(true, ordering: .relaxed) }

    /// The journal's last entry now (nil when it is empty): reading starts after it.
    private func tail() throws(DetectionError) -> String? {
        var location: [String] = ["--lines=1", "--output-fields=__CURSOR"]
        if let directory { location.append("--directory=\(directory)") }
        var process = try JournalProcess(
            arguments: ["--no-pager", "--quiet", "--output=json"] + location, journalctl: journalctl)
        var cursor: String? = nil
        process.readLines(until: { false }, idle: {}) { line in cursor = JournalEntry.parse(line)?.cursor ?? cursor }
        let status = process.finish()
        guard status == 0 else {
            throw DetectionError.unavailable("journalctl exited with status \(status): \(process.errorOutput)")
        }
        return cursor
    }

    func arguments(after cursor: String?) -> [String] {
        var arguments = ["--no-pager", "--quiet", "--output=json", "--all", "--output-fields=MESSAGE,_EXE,_UID,_PID"]
        if let directory { arguments.append("--directory=\(directory)") }
        if let cursor { arguments.append("--after-cursor=\(cursor)") }
        return arguments + trust.matches
    }

    private func consume(_ line: ArraySlice<UInt8>, cursor: inout String?, _ handler: ([UInt8], Int32?) -> Void) {
        guard let entry = JournalEntry.parse(line) else {
            counters.withLock { $0.malformed += 1 }
            return
        }
        if let next = entry.cursor { cursor = next }
        guard let (message, pid) = trust.message(of: entry) else {
            counters.withLock { $0.untrusted += 1 }
            return
        }
        counters.withLock { $0.messages += 1 }
        handler(message, pid)
    }
}

/// What a ``JournalFollower`` has read.
public struct JournalStatistics: Hashable, Sendable {
    /// sshd's messages handed to the IDS.
    public var messages = 0
    /// Entries journalctl selected that are not sshd's (by ``SSHDJournalTrust``): forgeries, or senders gone
    /// before journald saw them.
    public var untrusted = 0
    /// Lines that were not one JSON object (or longer than 256 KiB).
    public var malformed = 0
    /// journalctl runs, one per interval.
    public var polls = 0
    /// Runs that exited with an error (retried at the next interval).
    public var failedPolls = 0
}
