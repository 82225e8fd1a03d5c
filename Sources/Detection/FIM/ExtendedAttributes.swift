import CFileIntegrity
import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// A file's extended attributes as the baseline keeps them: a digest of all but the file capabilities, and the
/// file capabilities' raw value (so "capabilities added" can be said by name).
struct ExtendedAttributes: Equatable {
    var digest: [UInt8]?
    var capabilities: [UInt8]?

    static let capabilityName = "security.capability"

    /// Of an open file (never a path: the file read is the file hashed).
    static func read(descriptor: Int32) -> ExtendedAttributes {
        read(list: { flistxattr(descriptor, $0, $1) }, get: { fgetxattr(descriptor, $0, $1, $2) })
    }

    /// Of the entry itself at `path` (a symlink's own attributes; a device or FIFO is never opened).
    static func read(path: [UInt8]) -> ExtendedAttributes {
        FIMPath.withCString(path) { cPath in
            read(list: { llistxattr(cPath, $0, $1) }, get: { lgetxattr(cPath, $0, $1, $2) })
        }
    }

    private static func read(
        list: (UnsafeMutablePointer<CChar>?, Int) -> Int,
        get: (UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    ) -> ExtendedAttributes {
        let names = fetch { buffer, size in list(buffer?.assumingMemoryBound(to: CChar.self), size) }
        guard let names, !names.isEmpty else { return ExtendedAttributes() }
        var sorted = names.split(separator: 0).map { Array($0) }
        sorted.sort { $0.lexicographicallyPrecedes($1) }
        var hasher = SHA256()
        var others = 0
        var result = ExtendedAttributes()
        for name in sorted {
            let value = FIMPath.withCString(name) { cName in fetch { get(cName, $0, $1) } } ?? []
            if name == Array(capabilityName.utf8) {
                result.capabilities = value
                continue
            }
            var bytes: [UInt8] = []
            FileRecord.append(name, to: &bytes)
            FileRecord.append(value, to: &bytes)
            hasher.update(data: bytes)
            others += 1
        }
        if others > 0 { result.digest = Array(hasher.finalize()) }
        return result
    }

    /// Calls a size-then-fill xattr call until the buffer is large enough (attributes can grow in between).
    private static func fetch(_ call: (UnsafeMutableRawPointer?, Int) -> Int) -> [UInt8]? {
        for _ in 0..<4 {
            let size = call(nil, 0)
            guard size >= 0 else { return nil }
            if size == 0 { return [] }
            var buffer = [UInt8](repeating: 0, count: size)
            let got = buffer.withUnsafeMutableBytes { call($0.baseAddress, size) }
            if got >= 0 { return Array(buffer.prefix(got)) }
            guard errno == ERANGE else { return nil }
        }
        return nil
    }
}
