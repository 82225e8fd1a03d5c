import Policy

#if canImport(Glibc)
import Glibc
#endif

extension FileRecord {
    /// A record from `lstat`/`fstat` output, with no digest, target or attributes yet.
    init?(path: [UInt8], status: stat, rules: FileRules) {
        guard let kind = Self.kind(of: status.st_mode) else { return nil }
        self.init(
            path: path, kind: kind, mode: UInt32(status.st_mode) & 0o7777, uid: status.st_uid, gid: status.st_gid,
            size: Int64(status.st_size), device: UInt64(status.st_dev), inode: UInt64(status.st_ino),
            links: UInt64(status.st_nlink),
            mtimeNanoseconds: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec),
            rdev: UInt64(status.st_rdev), target: nil, digest: nil, xattrs: nil, capabilities: nil, rules: rules)
    }

    static func kind(of mode: mode_t) -> Kind? {
        switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        default: nil
        }
    }

    /// Whether `status` is still the file this record describes (same file, same size and time).
    func isSameState(as status: stat) -> Bool {
        UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode && Int64(status.st_size) == size
            && Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec) == mtimeNanoseconds
    }
}

extension FileRecord {
    /// Whether `status` is the same file (device and inode) of the same type.
    func isSameFile(as status: stat) -> Bool {
        UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode && Self.kind(of: status.st_mode) == kind
    }
}
