#if canImport(Glibc)
import Glibc
#endif

/// Secret material: held in memory this object owns, zeroed when it goes away, never printed.
///
/// `description` and `debugDescription` are redacted, so interpolating a secret into a log line or an error
/// prints `<redacted N bytes>`, never the value. Read it only inside ``withUnsafeBytes(_:)``.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let storage: UnsafeMutableRawBufferPointer

    /// Takes the bytes and zeroes the caller's copy.
    public init(consuming bytes: inout [UInt8]) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        self.storage = storage
        count = bytes.count
        bytes.withUnsafeMutableBytes { Self.zero($0) }
        bytes.removeAll()
    }

    /// Copies `bytes` (the caller keeps responsibility for its own copy).
    public init(copying bytes: UnsafeRawBufferPointer) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.copyMemory(from: bytes)
        count = bytes.count
    }

    public let count: Int

    deinit {
        Self.zero(storage)
        storage.deallocate()
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Constant-time comparison (does not stop at the first difference).
    public func isEqual(to other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<count { difference |= storage[index] ^ other.storage[index] }
        return difference == 0
    }

    public var description: String { "<redacted \(count) bytes>" }
    public var debugDescription: String { description }

    /// Zeroes memory in a way the optimiser may not remove.
    public static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        explicit_bzero(base, buffer.count)
    }
}
