import Foundation

/// The boot step: open the sealed file, put every secret into the vault, then destroy the file — overwrite it with
/// zeros, fsync, unlink — unless asked to keep it. The file is touched only after every secret is in the keyring;
/// a wrong key, a damaged file or a keyring error leaves it as it was.
public enum SecretsLoader {
    public static func load(
        file path: String, with source: any SealingKeySource, into vault: KeyringVault, keepFile: Bool
    ) throws(SecretsError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read \(path)") }
        guard data.count <= SealedFile.maximumSize else { throw .format("\(path) is larger than a sealed file can be") }
        let secrets = try SealedFile.open(Array(data), with: source)
        for secret in secrets { try vault.store(secret.name, secret.value) }
        if !keepFile { try shred(path) }
        return secrets.map(\.name)
    }

    /// Overwrites the file with zeros, fsyncs, unlinks, and fsyncs the directory.
    static func shred(_ path: String) throws(SecretsError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .io("cannot open \(path) to destroy it: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        fstat(descriptor, &status)
        let zeros = [UInt8](repeating: 0, count: 4096)
        var remaining = Int(status.st_size)
        while remaining > 0 {
            let written = zeros.withUnsafeBytes { write(descriptor, $0.baseAddress, min(remaining, $0.count)) }
            guard written > 0 else { break }
            remaining -= written
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard remaining == 0, synced, unlink(path) == 0 else {
            throw .io("cannot destroy \(path): \(String(cString: strerror(errno)))")
        }
        let directory = open(
            (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
            O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
