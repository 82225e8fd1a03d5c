import Crypto
import Foundation
import SwiftASN1
import X509

/// A holder's identity directory: `key.pem` (its private key, 0600, generated here and never sent anywhere),
/// `cert.pem` (its certificate followed by the issuing intermediate) and `bundle.pem` (what it trusts).
public struct WorkloadIdentity: Sendable {
    public let directory: String

    public var keyPath: String { directory + "/key.pem" }
    public var certificatePath: String { directory + "/cert.pem" }
    public var bundlePath: String { directory + "/bundle.pem" }

    public init(directory: String) { self.directory = directory }

    /// A new key pair and a CSR naming `identity` as its only URI SAN.
    public static func request(for identity: SPIFFEID) throws(PKIError) -> (
        key: P256.Signing.PrivateKey, request: CertificateSigningRequest
    ) {
        let key = P256.Signing.PrivateKey()
        let request = try CertificateAuthority.build {
            try CertificateSigningRequest(
                version: .v1,
                subject: try DistinguishedName { CommonName(identity.name) },
                privateKey: Certificate.PrivateKey(key),
                attributes: CertificateSigningRequest.Attributes([
                    try CertificateSigningRequest.Attribute(
                        ExtensionRequest(
                            extensions: try Certificate.Extensions {
                                SubjectAlternativeNames([.uniformResourceIdentifier(identity.uri)])
                            }))
                ]),
                signatureAlgorithm: .ecdsaWithSHA256)
        }
        return (key, request)
    }

    /// Writes key, chain and bundle; the key first, so a reader that sees the new certificate finds its key.
    /// `owner`: the holder's uid and gid when it is not the writer (the files become its; the directory does not).
    public func store(
        key: P256.Signing.PrivateKey, issued: IssuedCertificate, bundlePEM: String,
        owner: (uid: UInt32, gid: UInt32)? = nil
    ) throws(PKIError) {
        try store(
            key: key, chainPEM: try CertificateAuthority.build { try issued.chainPEM }, bundlePEM: bundlePEM,
            owner: owner)
    }

    /// ``store(key:issued:bundlePEM:owner:)`` with the chain as PEM (as `RenewIdentity` returns it).
    public func store(
        key: P256.Signing.PrivateKey, chainPEM: String, bundlePEM: String, owner: (uid: UInt32, gid: UInt32)? = nil
    ) throws(PKIError) {
        let owner = owner.map { (uid_t($0.uid), gid_t($0.gid)) }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PKIError(.io, "cannot create \(directory): \(error.localizedDescription)")
        }
        try PKIFiles.writeAtomically(
            Array(key.pemRepresentation.utf8) + [10], to: keyPath, mode: 0o600, owner: owner)
        try PKIFiles.writeAtomically(Array(chainPEM.utf8), to: certificatePath, mode: 0o644, owner: owner)
        try PKIFiles.writeAtomically(Array(bundlePEM.utf8), to: bundlePath, mode: 0o644, owner: owner)
    }

    /// The leaf of a chain the daemon returned for a renewal, checked before it replaces anything: it carries
    /// `key` and names `identity`.
    public static func checkedRenewal(key: P256.Signing.PrivateKey, chainPEM: String, identity: String)
        throws(PKIError) -> Certificate
    {
        guard try matches(keyPEM: key.pemRepresentation, chainPEM: chainPEM) else {
            throw PKIError(.request, "the renewed certificate is not for the key that was sent")
        }
        let leaf = try CertificateAuthority.build {
            try Certificate(derEncoded: try PEMDocument.parseMultiple(pemString: chainPEM)[0].derBytes)
        }
        guard leaf.uriNames == [identity] else {
            throw PKIError(.request, "the renewed certificate names \(leaf.uriNames), not \(identity)")
        }
        return leaf
    }

    /// The holder's current certificate (the first in cert.pem).
    public func certificate() throws(PKIError) -> Certificate {
        try CertificateAuthority.certificate(at: certificatePath)
    }

    /// Whether the certificate has reached its renewal point (2/3 of its life, jittered) or is about to expire.
    public func needsRenewal(at now: Date = Date(), jitter: Double = Double.random(in: -1...1)) throws(PKIError) -> Bool
    {
        let current = try certificate()
        return now
            >= RenewalSchedule.renewalTime(
                notBefore: current.notValidBefore, notAfter: current.notValidAfter, jitter: jitter)
    }
}
