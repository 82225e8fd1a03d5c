#if canImport(Glibc)
import Glibc
#endif

/// A file mapped read-only into memory, for one sequential pass over its lines without copying them.
final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>
    private let base: UnsafeMutableRawPointer?
    private let length: Int

    init(path: String) throws(DetectionError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DetectionError.system("open \(path)", errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DetectionError.system("stat \(path)", errno) }
        length = Int(info.st_size)
        guard length > 0 else {
            base = nil
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            return
        }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw DetectionError.system("mmap \(path)", errno)
        }
        _ = madvise(mapped, length, MADV_SEQUENTIAL)
        base = mapped
        bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: length)
    }

    /// Calls `body` with each line, without its `\n` (the last line may lack one).
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let start = bytes.baseAddress else { return }
        var offset = 0
        while offset < length {
            let rest = length - offset
            let found = memchr(start + offset, 0x0A, rest)
            let end = found.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - start } ?? length
            body(UnsafeBufferPointer(start: start + offset, count: end - offset))
            offset = end + 1
        }
    }

    deinit {
        if let base { munmap(base, length) }
    }
}
