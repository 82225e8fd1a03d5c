import Crypto
import Foundation
import Glibc

/// Copies what a sandboxed tool left in its work directory into a directory it cannot reach, hashing the bytes
/// as they are copied: a regular file only (never through a link, never a FIFO that would stall the daemon),
/// within a byte budget shared by the whole request.
struct VerifiedCopy {
    /// Bytes the request may still copy.
    var budget: UInt64

    struct Copied {
        let path: String
        let sha256: String
        let size: UInt64
    }

    mutating func copy(_ source: String, to destination: String, mode: mode_t = 0o644) throws(PackageError) -> Copied {
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw .verification("cannot open \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var status = stat()
        guard fstat(input, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw .verification("\(source) is not a regular file")
        }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard output >= 0 else {
            throw .verification("cannot create \(destination): \(String(cString: strerror(errno)))")
        }
        defer { close(output) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var size: UInt64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .verification("cannot read \(source): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            size += UInt64(count)
            guard size <= budget else { throw .verification("the download is larger than the policy's max_download") }
            hasher.update(data: buffer[..<count])
            var written = 0
            while written < count {
                let result = buffer.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + written, count - written) }
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { throw .verification("cannot write \(destination)") }
                written += result
            }
        }
        guard fsync(output) == 0 else { throw .verification("cannot sync \(destination)") }
        budget -= size
        return Copied(path: destination, sha256: Self.hex(hasher.finalize()), size: size)
    }

    /// Reads a small text file the sandbox produced (a maintainer script, a status file), bounded.
    static func readText(_ path: String, limit: Int = 1 << 20) throws(PackageError) -> String? {
        try readData(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A small file's bytes (never through a link or a FIFO), bounded; nil when it does not exist.
    static func readData(_ path: String, limit: Int = 1 << 20) throws(PackageError) -> Data? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .verification("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw .verification("\(path) is not a regular file")
        }
        guard status.st_size <= limit else { throw .verification("\(path) is larger than \(limit) bytes") }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                Glibc.read(descriptor, $0.baseAddress! + total, $0.count - total)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            total += count
        }
        return Data(bytes[..<total])
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a regular file, read in chunks (archives can be large), never through a link; nil when it cannot
    /// be read.
    static func sha256(of path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            hasher.update(data: buffer[..<count])
        }
        return hex(hasher.finalize())
    }
}
