import Capabilities
import Foundation

/// Finds the ledger's day files in a directory (and its monthly archives).
public enum LedgerFiles {
    public struct DayFile: Sendable {
        public let day: String
        public let path: String
    }

    /// Day files of the ledger in `directory` — live ones and, unless told otherwise, those in monthly archives
    /// (`archive/YYYY-MM/`) — oldest first. A day present in both (an archive interrupted before removing the
    /// original) is read from the live file.
    static func days(in directory: String, includingArchives: Bool = true) throws(AuditError) -> [DayFile] {
        var byDay: [String: DayFile] = [:]
        if includingArchives {
            for month in try archivedMonths(in: directory) {
                for file in try files(in: month.path) { byDay[file.day] = file }
            }
        }
        for file in try files(in: directory) { byDay[file.day] = file }
        return byDay.values.sorted { $0.day < $1.day }
    }

    /// The monthly archive folders, oldest first.
    static func archivedMonths(in directory: String) throws(AuditError) -> [(month: String, path: String)] {
        let root = directory + "/archive"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        return names.filter { $0.count == 7 && Timestamp.isMonth($0) }.sorted().map { ($0, root + "/" + $0) }
    }

    private static func files(in directory: String) throws(AuditError) -> [DayFile] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .storage("cannot list \(directory): \(error.localizedDescription)")
        }
        var found: [DayFile] = []
        for name in names {
            guard let day = LedgerDay.day(ofFileName: name) else { continue }
            let path = directory + "/" + name
            try checkDayFile(path)
            found.append(DayFile(day: day, path: path))
        }
        return found.sorted { $0.day < $1.day }
    }

    /// Refuses anything at a day file's path but a regular file that can be opened, naming what it is: SQLite
    /// would call a directory there a "disk I/O error".
    static func checkDayFile(_ path: String) throws(AuditError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw .storage("cannot examine \(path): \(String(cString: strerror(errno)))")
        }
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            let descriptor = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw .storage("\(path) cannot be opened: \(String(cString: strerror(errno)))")
            }
            Glibc.close(descriptor)
            return
        case S_IFDIR: kind = "a directory"
        case S_IFLNK: kind = "a symbolic link"
        case S_IFIFO: kind = "a FIFO"
        case S_IFSOCK: kind = "a socket"
        default: kind = "a device node"
        }
        throw .tampered("\(path) is \(kind), not a ledger day file: something else took its path")
    }
}
