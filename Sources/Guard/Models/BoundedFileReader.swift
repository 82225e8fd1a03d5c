#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file once, refusing what could make the bytes read differ from the file named: a symlink as the
/// last component (`O_NOFOLLOW`), a symlink anywhere on the way (the opened descriptor's path, from
/// `/proc/self/fd`, must be the absolute path asked for), anything but a regular file (a FIFO or device could
/// block or never end), and a file larger than the bound. The caller hashes the bytes returned, never re-reads.
enum BoundedFileReader {
    static func read(_ path: String, limit: Int, what: String) throws(GuardError) -> [UInt8] {
        let absolute = absolutePath(path)
        let fd = open(absolute, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let reason =
                switch errno {
                case ENOENT: "missing"
                case ELOOP: "a symbolic link (refused)"
                default: String(cString: strerror(errno))
                }
            throw GuardError("\(what) \(absolute): \(reason)")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw GuardError("\(what) \(absolute): not a regular file")
        }
        guard Int(status.st_size) <= limit else {
            throw GuardError("\(what) \(absolute): \(status.st_size) bytes, more than \(limit)")
        }
        guard openedPath(fd) == absolute else {
            throw GuardError("\(what) \(absolute): reached through a symbolic link (refused)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw GuardError("\(what) \(absolute): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes += chunk[..<count]
            // The file grew while read: what was hashed must be all there is, and bounded.
            guard bytes.count <= limit else { throw GuardError("\(what) \(absolute): more than \(limit) bytes") }
        }
        return bytes
    }

    /// `path` made absolute against the working directory, `.` and empty components dropped, `..` taken lexically
    /// (a `..` after a symlink is then a different path from the real one, and refused by the comparison).
    static func absolutePath(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil {
                full = String(cString: buffer) + "/" + path
            }
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                _ = parts.popLast()
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// What the kernel says the descriptor is open on.
    private static func openedPath(_ fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
