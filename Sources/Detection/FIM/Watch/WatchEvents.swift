#if canImport(Glibc)
import Glibc
#endif

/// The kernel's event bits by name, for the evidence (`events`) and for telling a directory that appeared or went.
enum WatchEvents {
    private static let fanotifyNames: [(UInt64, String)] = [
        (0x0000_0100, "create"), (0x0000_0200, "delete"), (0x0000_0002, "modify"), (0x0000_0004, "attrib"),
        (0x0000_0040, "moved_from"), (0x0000_0080, "moved_to"), (0x0000_0008, "close_write"),
        (0x0000_0400, "delete_self"), (0x0000_0800, "move_self"),
    ]
    private static let inotifyNames: [(UInt32, String)] = [
        (0x0000_0100, "create"), (0x0000_0200, "delete"), (0x0000_0002, "modify"), (0x0000_0004, "attrib"),
        (0x0000_0040, "moved_from"), (0x0000_0080, "moved_to"), (0x0000_0008, "close_write"),
        (0x0000_0400, "delete_self"), (0x0000_0800, "move_self"),
    ]
    /// Create, delete and both moves: the entry appeared or vanished.
    static let entryBits: UInt64 = 0x0000_0100 | 0x0000_0200 | 0x0000_0040 | 0x0000_0080
    static let fanotifyDirectory: UInt64 = 0x4000_0000
    static let inotifyDirectory: UInt32 = 0x4000_0000

    static func fanotify(_ mask: UInt64) -> [String] { fanotifyNames.filter { mask & $0.0 != 0 }.map(\.1) }
    static func inotify(_ mask: UInt32) -> [String] { inotifyNames.filter { mask & $0.0 != 0 }.map(\.1) }

    static func fanotifyDirectoryMoved(_ mask: UInt64) -> Bool {
        mask & fanotifyDirectory != 0 && mask & (entryBits | 0x0000_0C00) != 0
    }

    static func inotifyDirectoryMoved(_ mask: UInt32) -> Bool {
        mask & inotifyDirectory != 0 && UInt64(mask) & entryBits != 0
    }
}

/// What both readers share: waiting for the descriptor or the stop pipe, reading a link.
enum WatchLoop {
    /// Waits until `descriptor` is readable; false once `stop` is (or on an error other than EINTR).
    static func wait(for descriptor: Int32, stop: Int32) -> Bool {
        while true {
            var descriptors = [
                pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stop, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return false
            }
            if descriptors[1].revents != 0 { return false }
            if descriptors[0].revents != 0 { return true }
        }
    }

    static func readLink(_ path: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!, $0.count) }
        return count > 0 ? Array(buffer.prefix(count)) : nil
    }
}
