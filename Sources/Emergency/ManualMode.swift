import Foundation
import Secrets

/// Why the system is in manual mode: which stop, since when, by whom and why. Kept in the state directory
/// (`manual-mode.json`) so that it outlives the daemon, a restart and a reboot, until an operator resumes.
public struct ManualModeRecord: Codable, Sendable, Equatable {
    /// Names one emergency stop (`stop-` and 16 hex digits).
    public var id: String
    /// RFC 3339, UTC.
    public var since: String
    public var by: String
    public var reason: String
    /// The ledger entry that recorded the stop; nil while nobody has (`aios-sec estop` or `recovery` wrote the file
    /// while the daemon did not answer: the daemon records the stop when it reads the file).
    public var auditID: String?

    public init(
        id: String = ManualModeRecord.newID(), since: String, by: String, reason: String, auditID: String? = nil
    ) {
        self.id = id
        self.since = since
        self.by = by
        self.reason = reason
        self.auditID = auditID
    }

    public static func newID() -> String {
        "stop-" + String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
    }
}

/// The manual-mode file. It fails closed: a file that exists but cannot be read or decoded means manual mode
/// (someone stopped the system; a damaged note of it must not let the agents run again).
public struct ManualModeFile: Sendable {
    public enum State: Sendable, Equatable {
        case autonomous
        case manual(ManualModeRecord)
    }

    public let path: String

    public init(stateDirectory: String) { path = stateDirectory + "/manual-mode.json" }

    /// The largest file read (a record is a few hundred bytes).
    static let maximumSize = 64 << 10

    public func read() -> State {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            return errno == ENOENT ? .autonomous : .manual(Self.unreadable("cannot be examined (\(Self.error()))"))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            return .manual(Self.unreadable("is not a regular file"))
        }
        guard let handle = FileHandle(forReadingAtPath: path),
            let data = try? handle.read(upToCount: Self.maximumSize + 1), data.count <= Self.maximumSize
        else {
            return .manual(Self.unreadable("cannot be read"))
        }
        try? handle.close()
        guard let record = try? JSONDecoder().decode(ManualModeRecord.self, from: data) else {
            return .manual(Self.unreadable("is not a manual-mode record"))
        }
        return .manual(record)
    }

    /// Writes the record whole (a temporary file renamed over the old one), readable by root only.
    public func write(_ record: ManualModeRecord) throws(EmergencyError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(record) else { throw EmergencyError(.io, "cannot encode \(path)") }
        do {
            try AtomicFile.write(Array(data) + [0x0A], to: path, mode: 0o600)
        } catch {
            throw EmergencyError(.io, "cannot write \(path): \(error)")
        }
    }

    public func remove() throws(EmergencyError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw EmergencyError(.io, "cannot remove \(path): \(Self.error())")
        }
    }

    private static func unreadable(_ problem: String) -> ManualModeRecord {
        ManualModeRecord(
            id: "stop-unreadable", since: "", by: "unknown",
            reason: "the manual-mode file \(problem): staying in manual mode")
    }

    private static func error() -> String { String(cString: strerror(errno)) }
}
