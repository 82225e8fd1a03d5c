#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so a reader sees the old content or the new, never a part: a temporary file beside it created
/// with its final mode, written, fsynced, renamed over the target.
public enum AtomicFile {
    /// `owner`: the file's uid and gid when it is not the writer's (set before the file takes its name).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, owner: (uid_t, gid_t)? = nil)
        throws(SecretsError)
    {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .io("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        if let owner, fchown(descriptor, owner.0, owner.1) != 0 {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            unlink(temporary)
            throw .io("cannot give \(temporary) to uid \(owner.0): \(reason)")
        }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .io("cannot write \(path): \(reason)")
        }
    }
}
