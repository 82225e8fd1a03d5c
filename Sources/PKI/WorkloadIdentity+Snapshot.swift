import Crypto
import Foundation
import SwiftASN1
import X509

extension WorkloadIdentity {
    /// The three files as one consistent set, for a client to hand to TLS. A renewal replaces the key and then the
    /// chain, each atomically but one after the other, so a reader can see the new key with the old chain: such a
    /// read (the key does not match the chain's leaf) is retried for up to `patience`.
    public func snapshot(patience: Duration = .seconds(2)) throws(PKIError) -> (
        keyPEM: String, chainPEM: String, bundlePEM: String
    ) {
        let deadline = ContinuousClock.now + patience
        while true {
            let key = try read(keyPath)
            let chain = try read(certificatePath)
            let bundle = try read(bundlePath)
            if try Self.matches(keyPEM: key, chainPEM: chain) { return (key, chain, bundle) }
            guard ContinuousClock.now < deadline else {
                throw PKIError(.state, "\(keyPath) does not belong to the certificate in \(certificatePath)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    private func read(_ path: String) throws(PKIError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PKIError(.io, "cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether the key is the one the chain's first certificate names.
    static func matches(keyPEM: String, chainPEM: String) throws(PKIError) -> Bool {
        let key: Certificate.PrivateKey
        let leaf: Certificate
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyPEM)
            guard let first = try PEMDocument.parseMultiple(pemString: chainPEM).first else { return false }
            leaf = try Certificate(derEncoded: first.derBytes)
        } catch {
            throw PKIError(.state, "an identity's key or certificate is not PEM: \(error)")
        }
        return key.publicKey == leaf.publicKey
    }
}
