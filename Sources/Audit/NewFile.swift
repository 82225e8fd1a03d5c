import Foundation

/// Creates a file that must not exist yet with its final mode from the first byte (no window in which it is
/// readable by others), writes it whole and fsyncs it.
enum NewFile {
    static func write(_ text: String, to path: String, mode: mode_t) throws(AuditError) {
        // Whole or not at all: written and made durable under a temporary name, then linked to `path` (which fails,
        // like O_EXCL, when something is already there). A process killed half-way leaves no empty key file.
        let temporary = path + ".incoming-\(UUID().uuidString.prefix(8))"
        let descriptor = Glibc.open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw .storage("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { unlink(temporary) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = written == bytes.count && fsync(descriptor) == 0
        Glibc.close(descriptor)
        guard synced else { throw .storage("cannot write \(path)") }
        guard link(temporary, path) == 0 else {
            throw .storage("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }
}
