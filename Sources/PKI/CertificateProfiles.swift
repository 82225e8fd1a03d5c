import Crypto
import Foundation
import SwiftASN1
import X509

/// The three kinds of certificate the CA makes, each with exactly the extensions it needs.
enum CertificateProfiles {
    static let organisation = "aios"

    /// A random positive 128-bit serial (RFC 5280 allows up to 20 octets; random serials defeat prediction).
    static func newSerial() -> Certificate.SerialNumber {
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max) }
        bytes[0] &= 0x7F
        if bytes[0] == 0 { bytes[0] = 1 }
        return Certificate.SerialNumber(bytes: bytes)
    }

    /// The root: self-signed, CA with path length 1 (it signs intermediates only), and name-constrained — URIs to
    /// the trust domain, DNS names and IP addresses to `hosts` — so a certificate below it naming anything else
    /// fails verification everywhere.
    static func root(key: P256.Signing.PrivateKey, validity: ClosedRange<Date>, hosts: PermittedHosts) throws
        -> Certificate
    {
        let name = try DistinguishedName {
            OrganizationName(organisation)
            CommonName("aios root CA")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        return try Certificate(
            version: .v3, serialNumber: newSerial(), publicKey: publicKey,
            notValidBefore: validity.lowerBound, notValidAfter: validity.upperBound, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                Critical(hosts.nameConstraints)
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
    }

    /// An issuing intermediate: CA with path length 0 (it signs leaves only).
    static func intermediate(
        publicKey: P256.Signing.PublicKey, root: Certificate, rootKey: P256.Signing.PrivateKey,
        validity: ClosedRange<Date>
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            OrganizationName(organisation)
            CommonName("aios issuing CA \(Int(validity.lowerBound.timeIntervalSince1970))")
        }
        let key = Certificate.PublicKey(publicKey)
        return try Certificate(
            version: .v3, serialNumber: newSerial(), publicKey: key,
            notValidBefore: validity.lowerBound, notValidAfter: validity.upperBound, issuer: root.subject,
            subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key)
                AuthorityKeyIdentifier(keyIdentifier: try root.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(rootKey))
    }

    /// A workload certificate: exactly one SPIFFE URI SAN (plus DNS/IP names a service listens on), EKU server and
    /// client, not a CA.
    static func leaf(
        identity: SPIFFEID, publicKey: Certificate.PublicKey, hostNames: [HostName], issuer: Certificate,
        issuerKey: P256.Signing.PrivateKey, validity: ClosedRange<Date>
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            OrganizationName(organisation)
            CommonName(identity.name)
        }
        var names: [GeneralName] = [.uniformResourceIdentifier(identity.uri)]
        names += hostNames.map(\.generalName)
        return try Certificate(
            version: .v3, serialNumber: newSerial(), publicKey: publicKey,
            notValidBefore: validity.lowerBound, notValidAfter: validity.upperBound, issuer: issuer.subject,
            subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: try issuer.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    }
}

/// A DNS name or IP address a service certificate also carries (for clients that verify host names).
public enum HostName: Hashable, Sendable {
    case dns(String)
    case ipv4([UInt8])
    case ipv6([UInt8])

    /// `localhost`, `127.0.0.1`, `::1`, or a DNS name.
    public init(parsing text: String) throws(PKIError) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .ipv4(withUnsafeBytes(of: v4) { Array($0) })
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self = .ipv6(withUnsafeBytes(of: v6) { Array($0) })
        } else if !text.isEmpty, text.utf8.count <= 253,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
        {
            self = .dns(text.lowercased())
        } else {
            throw PKIError(.request, "'\(text.prefix(80))' is not a host name or IP address")
        }
    }

    /// The name as text: a DNS name, or an address as `inet_ntop` writes it.
    public var text: String {
        switch self {
        case .dns(let name): return name
        case .ipv4(let bytes), .ipv6(let bytes):
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let family = bytes.count == 4 ? AF_INET : AF_INET6
            _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    var generalName: GeneralName {
        switch self {
        case .dns(let name): .dnsName(name)
        case .ipv4(let bytes), .ipv6(let bytes): .ipAddress(ASN1OctetString(contentBytes: bytes[...]))
        }
    }
}

extension Certificate {
    /// The DNS names and IP addresses the certificate names (its subject alternative names), for checking that a
    /// service certificate still covers every address the service listens on.
    public var hostNames: Set<HostName> {
        let names = (try? extensions.subjectAlternativeNames) ?? nil
        return Set(
            (names ?? SubjectAlternativeNames([])).compactMap { name -> HostName? in
                switch name {
                case .dnsName(let text): return .dns(text.lowercased())
                case .ipAddress(let octets):
                    let bytes = Array(octets.bytes)
                    return bytes.count == 4 ? .ipv4(bytes) : bytes.count == 16 ? .ipv6(bytes) : nil
                default: return nil
                }
            })
    }
}
