import CFileIntegrity
import Foundation
import Policy

#if canImport(Glibc)
import Glibc
#endif

/// The watch's fanotify group: one FAN_MARK_FILESYSTEM mark per file system holding a watch root, reporting the
/// directory's file handle and the entry's name (FAN_REPORT_DFID_NAME) and the pid of the process that made the
/// change. A handle is turned back into a path with `open_by_handle_at` (cached per directory until a directory
/// moves or goes). A mark covers the whole file system: events outside the watch set are dropped before `/proc`
/// is read.
struct FanotifySource {
    let group: Int32
    /// An open descriptor on each marked file system, by its fsid (for `open_by_handle_at`).
    let mounts: [UInt64: Int32]
    let marked: [FileWatch]

    /// Marks the file systems of `watches`; returns nil with the reason when fanotify cannot be used at all, and
    /// the watches whose file system it could not mark (they go to inotify).
    static func open(_ watches: [FileWatch]) -> (source: FanotifySource?, unmarked: [FileWatch], reason: String?) {
        let group = aios_fim_fanotify_open()
        guard group >= 0 else {
            return (nil, watches, "fanotify with FAN_REPORT_DFID_NAME: \(String(cString: strerror(errno)))")
        }
        var mounts: [UInt64: Int32] = [:]
        var marked: [FileWatch] = []
        var unmarked: [FileWatch] = []
        var reason: String? = nil
        for watch in watches {
            // Not O_PATH: open_by_handle_at refuses one (EBADF). Non-blocking: a FIFO root is never waited on.
            let root = Glibc.open(watch.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)
            guard root >= 0 else { continue }
            var key: UInt64 = 0
            guard aios_fim_fsid(root, &key) == 0 else {
                Glibc.close(root)
                continue
            }
            if mounts[key] != nil {
                Glibc.close(root)
                marked.append(watch)
                continue
            }
            guard aios_fim_fanotify_mark(group, watch.path) == 0 else {
                reason = "\(watch.path): fanotify cannot mark its file system (\(String(cString: strerror(errno))))"
                Glibc.close(root)
                unmarked.append(watch)
                continue
            }
            mounts[key] = root
            marked.append(watch)
        }
        guard !marked.isEmpty else {
            Glibc.close(group)
            return (nil, unmarked, reason)
        }
        return (FanotifySource(group: group, mounts: mounts, marked: marked), unmarked, reason)
    }

    func close() {
        Glibc.close(group)
        for descriptor in mounts.values { Glibc.close(descriptor) }
    }

    /// Reads until `stop` is readable. `watched` says whether a path belongs to the watch set.
    func run(
        stop: Int32, watched: ([UInt8]) -> Bool, deliver: (ObservedChange) -> Void, overflow: () -> Void,
        unresolved: () -> Void
    ) {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var directories: [[UInt8]: [UInt8]] = [:]
        while WatchLoop.wait(for: group, stop: stop) {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(group, $0.baseAddress, $0.count) }
            guard count > 0 else {
                if count < 0, errno == EAGAIN || errno == EINTR { continue }
                return
            }
            let now = ContinuousClock.now
            for event in FanotifyEvent.parse(buffer[0..<count]) {
                if event.isOverflow {
                    overflow()
                    continue
                }
                var process: ProcessIdentity? = nil
                for record in event.records {
                    guard let path = resolve(record, cache: &directories) else {
                        unresolved()
                        continue
                    }
                    guard watched(path) else { continue }
                    if process == nil, event.pid > 0 { process = ProcessIdentity.read(pid: event.pid) }
                    deliver(
                        ObservedChange(
                            path: path, events: WatchEvents.fanotify(event.mask),
                            directoryMoved: WatchEvents.fanotifyDirectoryMoved(event.mask), process: process,
                            source: .fanotify, observedAt: now))
                }
                if WatchEvents.fanotifyDirectoryMoved(event.mask) { directories.removeAll() }
            }
        }
    }

    /// The path of the record's directory joined with its name (the directory itself for `.` or no name).
    private func resolve(_ record: FanotifyEvent.Record, cache: inout [[UInt8]: [UInt8]]) -> [UInt8]? {
        let key =
            withUnsafeBytes(of: record.fsid) { Array($0) } + withUnsafeBytes(of: record.handleType) { Array($0) }
            + record.handle
        var directory = cache[key]
        if directory == nil {
            guard let mount = mounts[record.fsid] else { return nil }
            let opened = record.handle.withUnsafeBufferPointer {
                aios_fim_open_by_handle(mount, $0.baseAddress, UInt32($0.count), record.handleType)
            }
            guard opened >= 0 else { return nil }
            defer { Glibc.close(opened) }
            guard let path = WatchLoop.readLink("/proc/self/fd/\(opened)"), path.first == 0x2F,
                !path.reversed().starts(with: Array(" (deleted)".utf8).reversed())
            else { return nil }
            if cache.count >= 4096 { cache.removeAll() }
            cache[key] = path
            directory = path
        }
        guard let directory else { return nil }
        if record.name.isEmpty || record.name == [0x2E] { return directory }
        return (directory == [0x2F] ? [] : directory) + [0x2F] + record.name
    }
}
