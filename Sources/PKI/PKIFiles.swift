import Foundation

/// The CA's directory (`STATE/pki`): public parts world-readable, sealed keys and the lock private.
struct PKIFiles: Sendable {
    let directory: String

    var rootCertificate: String { directory + "/root.pem" }
    var rootKey: String { directory + "/root.key.sealed" }
    var state: String { directory + "/ca.json" }
    var issued: IssuedLog { IssuedLog(path: directory + "/issued.jsonl") }
    var bundle: String { directory + "/bundle.pem" }
    var crl: String { directory + "/crl.pem" }
    var lock: String { directory + "/.lock" }
    func intermediateCertificate(_ serial: String) -> String { directory + "/intermediates/\(serial).pem" }
    func intermediateKey(_ serial: String) -> String { directory + "/intermediates/\(serial).key.sealed" }

    func createDirectories() throws(PKIError) {
        for path in [directory, directory + "/intermediates"] {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw PKIError(.io, "cannot create \(path): \(error.localizedDescription)")
            }
        }
    }

    func read(_ path: String) throws(PKIError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PKIError(.state, "cannot read \(path)")
        }
        return data
    }

    /// Writes through a temporary file, fsync, rename: a reader sees the old or the new file, never a part.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws(PKIError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw PKIError(.io, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw PKIError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `body` holding an exclusive lock on the CA directory, so two commands never interleave changes.
    func locked<T>(_ body: () throws(PKIError) -> T) throws(PKIError) -> T {
        let descriptor = open(lock, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PKIError(.io, "cannot open \(lock): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw PKIError(.io, "cannot lock \(lock)") }
        return try body()
    }
}
