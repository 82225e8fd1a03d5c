import Crypto
import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// The baseline on disk: one SQLite file (mode 0600), written to a temporary name and renamed into place, with the
/// Ed25519 signature of its digest. Reading recomputes the digest from every row and checks the signature with the
/// vault's key, and the digest against the vault's newest head: an edited row, a file signed by another key, or
/// an older baseline put back is refused — nothing of it is used.
public enum BaselineStore {
    public static func write(_ baseline: FIMBaseline, to path: String, key: BaselineKey) throws(DetectionError) {
        let signer = try key.signingKey(create: true)
        let digest = baseline.digest
        let signature: Data
        do {
            signature = try signer.signature(for: digest)
        } catch {
            throw .unavailable("cannot sign the baseline: \(error)")
        }
        try makeDirectories((path as NSString).deletingLastPathComponent)
        let temporary = path + ".incoming-\(getpid())"
        unlink(temporary)
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw .system("create \(temporary)", errno) }
        close(descriptor)
        defer { unlink(temporary) }
        do {
            let queue = try DatabaseQueue(path: temporary)
            try queue.write { db in
                try BaselineSchema.create(db)
                try BaselineSchema.insert(baseline, signature: signature, publicKey: signer.publicKey, db: db)
            }
            try queue.close()
        } catch {
            throw .badInput("cannot write the baseline \(temporary): \(error)")
        }
        let file = open(temporary, O_RDONLY | O_CLOEXEC)
        let synced = file >= 0 && fsync(file) == 0
        if file >= 0 { close(file) }
        guard synced else { throw .system("fsync \(temporary)", errno) }
        try key.storeHead(digest)
        guard rename(temporary, path) == 0 else { throw .system("rename \(temporary) to \(path)", errno) }
    }

    /// Reads and verifies the baseline at `path`.
    public static func read(_ path: String, key: BaselineKey) throws(DetectionError) -> FIMBaseline {
        let signer = try key.signingKey(create: false)
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw errno == ENOENT
                ? .unavailable("no baseline at \(path): run `aios-sec fim init`") : .system("stat \(path)", errno)
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .badInput("the baseline \(path) is not a regular file") }
        let (baseline, signature) = try BaselineSchema.load(path)
        let digest = baseline.digest
        guard signer.publicKey.isValidSignature(signature, for: digest) else {
            throw .badInput(
                "the baseline \(path) is not signed by this vault's key: it was edited or replaced; refusing it "
                    + "(`fim init --force` records a new one, after you have found out why)")
        }
        if let head = key.head(), head != digest {
            throw .badInput(
                "the baseline \(path) is signed but is not the newest this vault signed (an older copy put back?); "
                    + "refusing it")
        }
        return baseline
    }

    /// Creates `directory` and its missing parents, each 0700 (the baseline says what the system holds).
    private static func makeDirectories(_ directory: String) throws(DetectionError) {
        var prefix = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST { throw .system("create \(prefix)", errno) }
        }
    }
}
