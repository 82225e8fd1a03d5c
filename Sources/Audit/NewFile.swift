import Foundation

/// Creates a file that must not exist yet with its final mode from the first byte (no window in which it is
/// readable by others), writes it whole and fsyncs it.
enum NewFile {
    static func write(_ text: String, to path: String, mode: mode_t) throws(AuditError) {
        let descriptor = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .storage("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(descriptor) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else { throw .storage("cannot write \(path)") }
    }
}
