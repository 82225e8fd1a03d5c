import Crypto
import Foundation

/// The checkpoint signing key of a ledger directory: `checkpoint.key` (mode 0600, Go `note` private-key text) and
/// `checkpoint.pub` (the verifier key to pin elsewhere). Until the keyring part lands, the private key is a file
/// readable by root only; see the threat model.
public enum AuditKeys {
    public static let keyName = "aios.local/audit"
    public static let privateKeyFile = "checkpoint.key"
    public static let publicKeyFile = "checkpoint.pub"

    /// Loads the signer, creating a new key (and its public file) the first time.
    public static func loadOrCreate(in directory: String) throws(AuditError) -> CheckpointSigner {
        try Ledger.ensureDirectory(directory)
        let path = directory + "/" + privateKeyFile
        if FileManager.default.fileExists(atPath: path) {
            guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }),
                let signer = CheckpointSigner(privateKeyText: text)
            else { throw .key("\(path) is not a checkpoint key") }
            // A process killed between the two writes below leaves the key without its public half: derive it.
            let publicPath = directory + "/" + publicKeyFile
            if !FileManager.default.fileExists(atPath: publicPath) {
                try NewFile.write(signer.verifier.text + "\n", to: publicPath, mode: 0o644)
            }
            return signer
        }
        // A ledger that already has checkpoints must keep its key: a new one would silently start a second history.
        if FileManager.default.fileExists(atPath: directory + "/" + CheckpointLog.fileName) {
            throw .key(
                "\(path) is missing but the ledger in \(directory) already has checkpoints: restore the key "
                    + "(a new one would fork the signed history)")
        }
        let signer = CheckpointSigner(name: keyName, key: Curve25519.Signing.PrivateKey())
        try NewFile.write(signer.privateKeyText + "\n", to: path, mode: 0o600)
        try NewFile.write(signer.verifier.text + "\n", to: directory + "/" + publicKeyFile, mode: 0o644)
        return signer
    }

    /// Reads a verifier key file (`name+hash+base64`).
    public static func verifier(from path: String) throws(AuditError) -> CheckpointVerifier {
        guard let data = FileManager.default.contents(atPath: path) else { throw .key("cannot read \(path)") }
        guard let verifier = CheckpointVerifier(text: String(decoding: data, as: UTF8.self)) else {
            throw .key("\(path) is not a checkpoint verifier key")
        }
        return verifier
    }
}
