#if canImport(Glibc)
import Glibc
#endif

/// The open file of a ``LogTail``, its read position and the incomplete last line.
struct TailReader {
    static let maximumLine = 64 << 10
    let path: String
    private var fd: Int32 = -1
    private var offset = 0
    private var partial: [UInt8] = []
    private(set) var truncations = 0
    private(set) var overlongLines = 0

    init(path: String, fromEnd: Bool) {
        self.path = path
        open(fromEnd: fromEnd)
    }

    /// Switches to the file now at `path` (after a rotation), from its start.
    mutating func reopen() {
        close()
        partial.removeAll()
        open(fromEnd: false)
    }

    mutating func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private mutating func open(fromEnd: Bool) {
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        offset = fd >= 0 && fromEnd ? lseek(fd, 0, SEEK_END) : 0
    }

    /// Reads everything appended since the last call and hands over each complete line; returns how many.
    mutating func readAvailable(_ handler: (UnsafeBufferPointer<UInt8>) -> Void) -> Int {
        if fd < 0 { open(fromEnd: false) }
        guard fd >= 0 else { return 0 }
        var info = stat()
        if fstat(fd, &info) == 0 && Int(info.st_size) < offset {
            offset = 0
            partial.removeAll()
            truncations += 1
        }
        var lines = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            guard count > 0 else { break }
            offset += count
            var start = 0
            for index in 0..<count where chunk[index] == UInt8(ascii: "\n") {
                if partial.isEmpty {
                    chunk.withUnsafeBufferPointer { handler(UnsafeBufferPointer(rebasing: $0[start..<index])) }
                } else {
                    partial += chunk[start..<index]
                    partial.withUnsafeBufferPointer { handler($0) }
                    partial.removeAll(keepingCapacity: true)
                }
                lines += 1
                start = index + 1
            }
            partial += chunk[start..<count]
            if partial.count > Self.maximumLine {
                partial.withUnsafeBufferPointer { handler(UnsafeBufferPointer(rebasing: $0[0..<Self.maximumLine])) }
                partial.removeAll(keepingCapacity: true)
                overlongLines += 1
                lines += 1
            }
        }
        return lines
    }
}
