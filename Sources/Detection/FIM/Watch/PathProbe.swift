import CFileIntegrity
import Policy

#if canImport(Glibc)
import Glibc
#endif

/// One path of the watch set read as a full scan reads it (``TreeWalker`` and ``ContentHasher``'s rules: no
/// symlink followed on the way or at the end, special files never opened, a file written while it is hashed
/// reported rather than recorded), for the watch's re-check of a changed path.
enum PathProbe {
    enum Result {
        case present(FileRecord, AuthorizedChanges.Left)
        case absent
        case issue(ScanIssue)
        /// On another file system than the watch root's (beneath a mount point): not watched.
        case outside
    }

    static func probe(_ path: [UInt8], watch: FileWatch, device: UInt64?) -> Result {
        let (parent, name) = TreeWalker.split(path)
        let slash = open("/", Int32(AIOS_FIM_O_PATH) | O_DIRECTORY | O_CLOEXEC)
        guard slash >= 0 else { return .issue(.opening(errno, path: path)) }
        defer { close(slash) }
        let directory = FIMPath.withCString(parent) {
            aios_fim_open(slash, $0, UInt64(Int32(AIOS_FIM_O_PATH) | O_DIRECTORY | O_CLOEXEC))
        }
        guard directory >= 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .absent : .issue(.opening(errno, path: path))
        }
        defer { close(directory) }
        var parentStatus = stat()
        if path != Array(watch.path.utf8), let device {
            guard fstat(directory, &parentStatus) == 0, UInt64(parentStatus.st_dev) == device else { return .outside }
        }
        var status = stat()
        guard FIMPath.withCString(name, { fstatat(directory, $0, &status, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            return errno == ENOENT ? .absent : .issue(.opening(errno, path: path))
        }
        guard var record = FileRecord(path: path, status: status, rules: watch.rules) else { return .absent }
        switch record.kind {
        case .regular:
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentHasher.bufferSize, alignment: 4096)
            defer { buffer.deallocate() }
            let file = PendingFile(
                recordIndex: 0, root: directory, relative: name.map { CChar(bitPattern: $0) } + [0],
                maxHashSize: watch.maxHashSize)
            switch ContentHasher.read(file, record: record, buffer: buffer, progress: ScanProgress()) {
            case .hashed(let hashed): record = hashed
            case .failed(let issue): return .issue(issue)
            }
        case .directory:
            let opened = FIMPath.withCString(name) {
                aios_fim_open(directory, $0, UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC))
            }
            guard opened >= 0 else { return .issue(.opening(errno, path: path)) }
            defer { close(opened) }
            var again = stat()
            guard fstat(opened, &again) == 0, record.isSameFile(as: again) else {
                return .issue(ScanIssue(kind: .changedDuringScan, path: path, detail: "replaced while it was read"))
            }
            let attributes = ExtendedAttributes.read(descriptor: opened)
            record.xattrs = attributes.digest
            record.capabilities = attributes.capabilities
        default:
            if record.kind == .symlink { record.target = TreeWalker.readLink(name, in: directory) }
            let attributes = ExtendedAttributes.read(path: Array("/proc/self/fd/\(directory)/".utf8) + name)
            record.xattrs = attributes.digest
            record.capabilities = attributes.capabilities
        }
        // The state the change classification compares with the Broker's: read after the content, so a write
        // in between shows as a different ctime, not as the Broker's.
        var after = stat()
        guard FIMPath.withCString(name, { fstatat(directory, $0, &after, AT_SYMLINK_NOFOLLOW) }) == 0,
            record.isSameFile(as: after)
        else { return .issue(ScanIssue(kind: .changedDuringScan, path: path, detail: "replaced while it was read")) }
        return .present(record, AuthorizedChanges.Left(after))
    }
}
