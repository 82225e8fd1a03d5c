import Foundation
import Glibc

extension FileOperations {
    /// Atomic replace: a temporary file beside the target, fsync, rename over it. The previous content goes to the
    /// backup store (never beside the file, where the capability may not reach), named by its SHA-256, which the
    /// result records. The new file keeps the previous owner and permission bits — except setuid, setgid and
    /// sticky, which a write never carries over (an agent must not make a setuid program with its own content).
    static func write(_ path: BeneathPath, _ content: [UInt8], in root: Int32, backups: Int32)
        throws(BrokerResult.Failure) -> BrokerResult
    {
        let (directory, name) = try path.parent(in: root)
        defer { close(directory) }
        var existing = stat()
        let exists = fstatat(directory, name, &existing, AT_SYMLINK_NOFOLLOW) == 0
        if exists { try requireRegular(existing, path) }
        var details: [String: BrokerResult.Detail] = [
            "bytes_written": .int(content.count), "backup_created": .bool(exists),
        ]
        if exists {
            let previous = openat(directory, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
            guard previous >= 0 else { throw BeneathPath.failure("read the previous \(path.shown)") }
            defer { close(previous) }
            var opened = stat()
            guard fstat(previous, &opened) == 0, opened.st_ino == existing.st_ino, opened.st_dev == existing.st_dev
            else { throw BrokerResult.Failure(code: .aborted, message: "\(path.shown) changed while it was opened") }
            let kept = try BackupStore.keep(previous, in: backups)
            details["backup_sha256"] = .string(kept.digest)
            details["previous_bytes"] = .int(kept.size)
        }
        let temporary = ".\(name.prefix(200)).aios-\(UUID().uuidString.prefix(8))"
        let file = openat(directory, temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard file >= 0 else { throw BeneathPath.failure("create \(path.shown)") }
        var written = content.withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) } == content.count
        if exists { written = written && fchown(file, existing.st_uid, existing.st_gid) == 0 }
        written = written && fchmod(file, exists ? existing.st_mode & 0o777 : 0o644) == 0
        written = written && fsync(file) == 0
        close(file)
        guard written else {
            unlinkat(directory, temporary, 0)
            throw BeneathPath.failure("write \(path.shown)")
        }
        // The file backed up must still be the one replaced.
        var current = stat()
        let present = fstatat(directory, name, &current, AT_SYMLINK_NOFOLLOW) == 0
        guard present == exists, !exists || (current.st_ino == existing.st_ino && current.st_dev == existing.st_dev)
        else {
            unlinkat(directory, temporary, 0)
            throw BrokerResult.Failure(code: .aborted, message: "\(path.shown) changed while it was written")
        }
        guard renameat(directory, temporary, directory, name) == 0 else {
            unlinkat(directory, temporary, 0)
            throw BeneathPath.failure("replace \(path.shown)")
        }
        return .success([], details, event: .fileModification)
    }
}
