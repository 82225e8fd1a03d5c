import Foundation
import X509

/// A certificate the CA signed, with the chain a holder presents (leaf, then its intermediate).
public struct IssuedCertificate: Sendable {
    public let certificate: Certificate
    public let intermediate: Certificate
    public let identity: SPIFFEID

    public var serial: String { certificate.serialNumber.hex }
    public var notAfter: Date { certificate.notValidAfter }
    public var chainPEM: String {
        get throws {
            try certificate.serializeAsPEM().pemString + "\n" + intermediate.serializeAsPEM().pemString + "\n"
        }
    }
}

extension Certificate.SerialNumber {
    /// Lowercase hex without separators, as `openssl x509 -serial` prints it (in lowercase).
    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
}

extension Certificate {
    /// The URIs among the subject alternative names.
    public var uriNames: [String] {
        ((try? extensions.subjectAlternativeNames) ?? nil)?.compactMap {
            if case .uniformResourceIdentifier(let uri) = $0 { uri } else { nil }
        } ?? []
    }
}
