import Crypto
import Foundation
import NIOCore
import NIOSSL
import X509

/// The certificate the browser presented in the TLS handshake, if any. The handshake has already checked it
/// against the internal CA's root (``ConsoleTLS``): a certificate from another CA, or an expired one, never gets
/// this far. What it names is decided by ``OperatorCertificates``.
public struct ClientCertificate: Sendable, Equatable {
    public let certificate: Certificate
    /// SHA-256 of the DER: what a session opened with this certificate is bound to.
    public let fingerprint: String

    public init(derEncoded bytes: [UInt8]) throws {
        certificate = try Certificate(derEncoded: bytes)
        fingerprint = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    public var serial: String { certificate.serialNumber.hex }

    /// The connection's peer certificate; nil without TLS (tests serve plain HTTP) or without a certificate.
    static func of(_ channel: (any Channel)?) async -> ClientCertificate? {
        guard let channel, let presented = try? await channel.nioSSL_peerCertificate().get(),
            let bytes = try? presented.toDERBytes()
        else { return nil }
        return try? ClientCertificate(derEncoded: bytes)
    }
}
