import Foundation
import NIOSSL
import PKI

/// The PKCS#12 file a browser imports to log in with an operator's certificate: the key, the certificate and the
/// issuing intermediate (so the browser can send the chain the console verifies to the root), sealed with a
/// random passphrase the import asks for.
public enum OperatorBundle {
    public static let fileName = "operator.p12"

    /// Writes `DIR/operator.p12` (mode 0600) from the identity directory's key and chain; returns the passphrase.
    public static func write(from identity: WorkloadIdentity) throws(ConsoleError) -> String {
        let passphrase = LoginLinks.randomHex(bytes: 12)
        let path = identity.directory + "/" + fileName
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(identity.certificatePath)
            let key = try NIOSSLPrivateKey(file: identity.keyPath, format: .pem)
            let bytes = try NIOSSLPKCS12Bundle(certificateChain: chain, privateKey: key).serialize(
                passphrase: Array(passphrase.utf8))
            guard
                FileManager.default.createFile(
                    atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
            else { throw ConsoleError.io("cannot write \(path)") }
        } catch let error as ConsoleError {
            throw error
        } catch {
            throw ConsoleError.io("cannot make \(path): \(error)")
        }
        return passphrase
    }
}
