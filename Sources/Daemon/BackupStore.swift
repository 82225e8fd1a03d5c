import CFileAccess
import Crypto
import Foundation
import Glibc

/// Where `fs.write` keeps what it replaced: content-addressed files (`STATE/backups/<sha256>`) in the daemon's own
/// (protected) state, so a backup never lands on a path the writer's capability does not cover, and the ledger
/// entry names the previous content by its hash.
public struct BackupStore: Sendable {
    public let directory: String
    /// The largest previous content kept; replacing a larger file is refused rather than done without a backup.
    public static let maximumSize = 16 << 20

    public init(directory: String) { self.directory = directory }

    /// The store's directory, open (O_PATH), created 0700 when missing. Opened by the daemon before the Broker's
    /// thread hides the state directory: the descriptor still reaches it, and only it.
    func open() throws(BrokerResult.Failure) -> Int32 {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw BrokerResult.Failure(code: .unavailable, message: "cannot create the backup store")
        }
        let descriptor = directory.withCString { aios_open_beneath_root($0) }
        guard descriptor >= 0 else {
            throw BrokerResult.Failure(code: .unavailable, message: "cannot open the backup store")
        }
        return descriptor
    }

    /// Copies `source` (open for reading) into the store under its SHA-256; returns the hex digest and size.
    static func keep(_ source: Int32, in store: Int32) throws(BrokerResult.Failure) -> (digest: String, size: Int) {
        let temporary = ".incoming-\(UUID().uuidString.prefix(8))"
        let target = openat(store, temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard target >= 0 else { throw BeneathPath.failure("back up the previous content") }
        var hasher = SHA256()
        var size = 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var failed = false
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(source, $0.baseAddress, $0.count) }
            if count < 0 || size + count > maximumSize {
                failed = true
                break
            }
            if count == 0 { break }
            let chunk = buffer[..<count]
            hasher.update(data: chunk)
            size += count
            if chunk.withUnsafeBytes({ Glibc.write(target, $0.baseAddress, $0.count) }) != count {
                failed = true
                break
            }
        }
        failed = failed || fsync(target) != 0
        close(target)
        guard !failed else {
            unlinkat(store, temporary, 0)
            throw BrokerResult.Failure(
                code: .failedPrecondition,
                message: size > maximumSize
                    ? "the file is larger than the backup limit (16 MiB); it was not replaced"
                    : "cannot back up the previous content; the file was not replaced")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        // Same content, same name: an existing backup is already this content.
        if renameat(store, temporary, store, digest) != 0 { unlinkat(store, temporary, 0) }
        return (digest, size)
    }
}
