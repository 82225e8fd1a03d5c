import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Follows a log file as it grows — sshd's own `-E` file or the syslog file it writes to — woken by inotify, not
/// by polling. It watches the file's directory, so rotation is followed: after a rename (logrotate's default) the
/// rest of the old file is read to its end, then the new file from its start; after a truncation (`copytruncate`)
/// reading starts again at zero. It starts at the end of the file: history is what `ids replay` is for.
public final class LogTail: Sendable {
    public let path: String
    private let stopping = Atomic<Bool>(false)
    private let counters = Mutex(TailStatistics())

    public init(path: String) {
        self.path = path
    }

    public var statistics: TailStatistics { counters.withLock { $0 } }

    /// Reads until ``stop()``: `handler` gets each complete line (without `\n`), `idle` runs about every 250 ms and
    /// after each batch. Run it on a thread of its own.
    public func run(_ handler: (UnsafeBufferPointer<UInt8>) -> Void, idle: () -> Void = {}) throws(DetectionError) {
        let notify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard notify >= 0 else { throw DetectionError.system("inotify_init1", errno) }
        defer { close(notify) }
        let (directory, name) = Self.split(path)
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE)
        guard inotify_add_watch(notify, directory, mask) >= 0 else {
            throw DetectionError.system("inotify_add_watch \(directory)", errno)
        }
        var reader = TailReader(path: path, fromEnd: true)
        defer { reader.close() }
        let events = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { events.deallocate() }
        while !stopping.load(ordering: .relaxed) {
            var descriptor = pollfd(fd: notify, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR { throw DetectionError.system("poll inotify", errno) }
            var replaced = false
            if ready > 0 {
                let count = read(notify, events.baseAddress, events.count)
                if count < 0 && errno != EAGAIN && errno != EINTR { throw DetectionError.system("read inotify", errno) }
                if count > 0 {
                    replaced = Self.names(in: UnsafeRawBufferPointer(rebasing: events[0..<count])).contains {
                        $0.name == name && $0.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0
                    }
                }
            }
            let lines = reader.readAvailable(handler)
            if replaced {
                reader.reopen()
                counters.withLock { $0.rotations += 1 }
            }
            let more = replaced ? reader.readAvailable(handler) : 0
            counters.withLock {
                $0.lines += lines + more
                $0.truncations = reader.truncations
                $0.overlongLines = reader.overlongLines
            }
            idle()
        }
    }

    /// Ends ``run(_:idle:)`` within 250 ms.
    public func stop() { stopping.store(true, ordering: .relaxed) }

    private static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// The (mask, name) of each `inotify_event` in a read.
    private static func names(in buffer: UnsafeRawBufferPointer) -> [(mask: UInt32, name: String)] {
        var result: [(UInt32, String)] = []
        var offset = 0
        while offset + 16 <= buffer.count {
            let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            guard offset + 16 + length <= buffer.count else { break }
            let raw = UnsafeRawBufferPointer(rebasing: buffer[offset + 16..<offset + 16 + length])
            let name = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            result.append((mask, name))
            offset += 16 + length
        }
        return result
    }
}

/// What a ``LogTail`` has read.
public struct TailStatistics: Hashable, Sendable {
    public var lines = 0
    public var rotations = 0
    public var truncations = 0
    /// Lines longer than 64 KiB, cut there (no sshd line is; a flood of garbage must not grow the buffer).
    public var overlongLines = 0
}
