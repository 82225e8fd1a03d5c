import Foundation
import Secrets

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

    /// ``Secrets/AtomicFile``, with the error as a PKI error.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t, owner: (uid_t, gid_t)? = nil)
        throws(PKIError)
    {
        do {
            try AtomicFile.write(bytes, to: path, mode: mode, owner: owner)
        } catch {
            throw PKIError(.io, error.message)
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
