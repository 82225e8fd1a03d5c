import CFileIntegrity
import Policy

#if canImport(Glibc)
import Glibc
#endif

/// Lists a watch set: one record per path (directories, symlinks as links, special files by metadata only), never
/// following a symlink and never leaving a watched directory's file system. Directories are opened one at a time
/// beneath the watch root with no symlink allowed on the way, and checked to be the directory that was listed.
/// Names are bytes throughout (a name need not be UTF-8).
struct TreeWalker {
    private(set) var records: [FileRecord] = []
    private(set) var pending: [PendingFile] = []
    private(set) var issues: [ScanIssue] = []
    /// Descriptors of the watch roots' parents (O_PATH), open until ``closeRoots()``.
    private(set) var roots: [Int32] = []

    private typealias Directory = (relative: [UInt8], path: [UInt8], record: Int)

    mutating func walk(_ watch: FileWatch) {
        let path = Array(watch.path.utf8)
        let slash = open("/", Int32(AIOS_FIM_O_PATH) | O_DIRECTORY | O_CLOEXEC)
        guard slash >= 0 else { return }
        defer { close(slash) }
        let (parent, name) = Self.split(path)
        let root = FIMPath.withCString(parent) {
            aios_fim_open(slash, $0, UInt64(Int32(AIOS_FIM_O_PATH) | O_DIRECTORY | O_CLOEXEC))
        }
        guard root >= 0 else {
            if errno == ELOOP {
                issues.append(
                    ScanIssue(
                        kind: .symlinkedRoot, path: path,
                        detail: "a component of this watched path is a symlink: watch the real path"))
            }
            return
        }
        roots.append(root)
        var status = stat()
        guard FIMPath.withCString(name, { fstatat(root, $0, &status, AT_SYMLINK_NOFOLLOW) }) == 0,
            let record = add(path: path, name: name, in: root, status: status, watch: watch, relative: name),
            record.kind == .directory
        else { return }
        var queue: [Directory] = [(name, path, records.count - 1)]
        while let next = queue.popLast() {
            queue += list(next, root: root, watch: watch)
        }
    }

    mutating func closeRoots() {
        for root in roots { close(root) }
        roots = []
    }

    /// Adds the record of one listed entry (and, for a regular file, its pending read); nil for an unknown type.
    private mutating func add(
        path: [UInt8], name: [UInt8], in directory: Int32, status: stat, watch: FileWatch, relative: [UInt8]
    ) -> FileRecord? {
        guard var record = FileRecord(path: path, status: status, rules: watch.rules) else { return nil }
        switch record.kind {
        case .regular:
            pending.append(
                PendingFile(
                    recordIndex: records.count, root: roots[roots.count - 1],
                    relative: relative.map { CChar(bitPattern: $0) } + [0], maxHashSize: watch.maxHashSize))
        case .directory: break
        default:
            if record.kind == .symlink { record.target = Self.readLink(name, in: directory) }
            // Through the open directory (a magic link), so the entry read is the one listed; never opened.
            let attributes = ExtendedAttributes.read(path: Array("/proc/self/fd/\(directory)/".utf8) + name)
            record.xattrs = attributes.digest
            record.capabilities = attributes.capabilities
        }
        records.append(record)
        return record
    }

    /// Lists one directory; returns its subdirectories on the same file system, to list next.
    private mutating func list(_ directory: Directory, root: Int32, watch: FileWatch) -> [Directory] {
        let descriptor = FIMPath.withCString(directory.relative) {
            aios_fim_open(root, $0, UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        }
        guard descriptor >= 0 else {
            issues.append(ScanIssue.opening(errno, path: directory.path))
            return []
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, records[directory.record].isSameFile(as: status),
            let stream = fdopendir(descriptor)
        else {
            close(descriptor)
            issues.append(
                ScanIssue(kind: .changedDuringScan, path: directory.path, detail: "replaced while it was listed"))
            return []
        }
        defer { closedir(stream) }
        let attributes = ExtendedAttributes.read(descriptor: descriptor)
        records[directory.record].xattrs = attributes.digest
        records[directory.record].capabilities = attributes.capabilities
        let device = records[directory.record].device
        var subdirectories: [Directory] = []
        while let item = readdir(stream) {
            let name = withUnsafeBytes(of: &item.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            let path = (directory.path == [0x2F] ? [] : directory.path) + [0x2F] + name
            if watch.exclude.contains(where: { FIMPath.isWithin(path, Array($0.utf8)) }) { continue }
            var child = stat()
            guard FIMPath.withCString(name, { fstatat(descriptor, $0, &child, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                if errno == ENOENT {
                    issues.append(ScanIssue(kind: .vanished, path: path, detail: "removed while it was listed"))
                }
                continue
            }
            let relative = directory.relative + [0x2F] + name
            guard
                let record = add(
                    path: path, name: name, in: descriptor, status: child, watch: watch, relative: relative)
            else { continue }
            if record.kind == .directory, record.device == device {
                subdirectories.append((relative, path, records.count - 1))
            }
        }
        return subdirectories
    }

    /// A path's parent relative to "/" ("." for "/" itself) and its last component.
    static func split(_ path: [UInt8]) -> (parent: [UInt8], name: [UInt8]) {
        guard path != [0x2F], let slash = path.lastIndex(of: 0x2F) else { return ([0x2E], [0x2E]) }
        let parent = slash == 0 ? [0x2E] : Array(path[1..<slash])
        return (parent, Array(path[(slash + 1)...]))
    }

    static func readLink(_ name: [UInt8], in directory: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = FIMPath.withCString(name) { cName in
            buffer.withUnsafeMutableBytes { readlinkat(directory, cName, $0.baseAddress!, $0.count) }
        }
        return count > 0 ? Array(buffer.prefix(count)) : []
    }
}

/// Byte paths.
enum FIMPath {
    static func withCString<Result>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> Result) -> Result {
        (bytes.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Whether `path` is `prefix` or beneath it.
    static func isWithin(_ path: [UInt8], _ prefix: [UInt8]) -> Bool {
        path.starts(with: prefix) && (path.count == prefix.count || path[prefix.count] == 0x2F)
    }
}

extension ScanIssue {
    static func opening(_ error: Int32, path: [UInt8]) -> ScanIssue {
        switch error {
        case ENOENT: ScanIssue(kind: .vanished, path: path, detail: "removed before it was read")
        case ELOOP, ENOTDIR, EXDEV:
            ScanIssue(kind: .changedDuringScan, path: path, detail: "replaced (by a symlink?) before it was read")
        default: ScanIssue(kind: .unreadable, path: path, detail: String(cString: strerror(error)))
        }
    }
}
