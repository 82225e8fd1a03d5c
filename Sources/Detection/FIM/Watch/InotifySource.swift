import CFileIntegrity

#if canImport(Glibc)
import Glibc
#endif

/// The fallback where fanotify cannot be used (no CAP_SYS_ADMIN, an old kernel, a file system that cannot report
/// file handles): one inotify watch per directory of the watch set (on the watch root's file system, not excluded),
/// added as directories appear. Each directory is opened without symlinks on the way and watched through its open
/// descriptor, so a directory swapped for a symlink is never followed. inotify does not say who made a change.
struct InotifySource {
    let descriptor: Int32
    private(set) var directories: [Int32: [UInt8]] = [:]
    /// Directories that could not be watched (the per-user watch limit, `fs.inotify.max_user_watches`).
    private(set) var failed = 0

    /// No IN_DONT_FOLLOW: the watch is placed through `/proc/self/fd/N`, a magic link that must be followed to the
    /// directory already opened (without symlinks) and checked.
    static let mask: UInt32 =
        UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE)
        | UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_EXCL_UNLINK)

    init() throws(DetectionError) {
        descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else { throw .system("inotify_init1", errno) }
    }

    func close() { Glibc.close(descriptor) }

    /// Watches `path` and every directory beneath it on `device`, skipping `excluded` paths.
    mutating func add(tree path: [UInt8], device: UInt64?, excluded: ([UInt8]) -> Bool) {
        var queue = [path]
        while let next = queue.popLast() {
            guard !excluded(next) else { continue }
            let slash = open("/", Int32(AIOS_FIM_O_PATH) | O_DIRECTORY | O_CLOEXEC)
            guard slash >= 0 else { return }
            let relative = next == [0x2F] ? [0x2E] : Array(next.dropFirst())
            let opened = FIMPath.withCString(relative) {
                aios_fim_open(slash, $0, UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC))
            }
            Glibc.close(slash)
            guard opened >= 0 else { continue }
            defer { Glibc.close(opened) }
            var status = stat()
            guard fstat(opened, &status) == 0, device == nil || UInt64(status.st_dev) == device else { continue }
            let watch = inotify_add_watch(descriptor, "/proc/self/fd/\(opened)", Self.mask)
            guard watch >= 0 else {
                failed += 1
                continue
            }
            directories[watch] = next
            guard let stream = fdopendir(dup(opened)) else { continue }
            defer { closedir(stream) }
            while let item = readdir(stream) {
                let name = withUnsafeBytes(of: &item.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                if name == [0x2E] || name == [0x2E, 0x2E] { continue }
                var child = stat()
                let isDirectory =
                    item.pointee.d_type == DT_DIR
                    || (item.pointee.d_type == DT_UNKNOWN
                        && FIMPath.withCString(name) { fstatat(opened, $0, &child, AT_SYMLINK_NOFOLLOW) } == 0
                        && child.st_mode & S_IFMT == S_IFDIR)
                if isDirectory { queue.append((next == [0x2F] ? [] : next) + [0x2F] + name) }
            }
        }
    }

    /// Reads until `stop` is readable; a new directory is watched (with what is beneath it) before its change is
    /// delivered, so the checker's walk of it and the new watch overlap rather than leave a gap.
    mutating func run(
        stop: Int32, device: ([UInt8]) -> UInt64?, excluded: ([UInt8]) -> Bool, deliver: (ObservedChange) -> Void,
        overflow: () -> Void
    ) {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while WatchLoop.wait(for: descriptor, stop: stop) {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                if count < 0, errno == EAGAIN || errno == EINTR { continue }
                return
            }
            let now = ContinuousClock.now
            for event in InotifyEvent.parse(buffer[0..<count]) {
                if event.isOverflow {
                    overflow()
                    continue
                }
                if event.mask & UInt32(IN_IGNORED) != 0 {
                    directories[event.watch] = nil
                    continue
                }
                guard let directory = directories[event.watch] else { continue }
                let path = event.name.isEmpty ? directory : (directory == [0x2F] ? [] : directory) + [0x2F] + event.name
                let moved = WatchEvents.inotifyDirectoryMoved(event.mask)
                if moved, event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                    add(tree: path, device: device(path), excluded: excluded)
                }
                deliver(
                    ObservedChange(
                        path: path, events: WatchEvents.inotify(event.mask), directoryMoved: moved, process: nil,
                        source: .inotify, observedAt: now))
            }
        }
    }
}
