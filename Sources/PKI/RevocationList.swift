import Crypto
import Foundation
import SwiftASN1
import X509

/// An X.509 v2 CRL (RFC 5280 §5), signed by an issuing CA, for tools outside the process (`openssl verify
/// -crl_check`). swift-certificates has no CRL type, so the DER is written here: it is small and fixed.
enum RevocationList {
    struct Entry {
        let serial: Certificate.SerialNumber
        let revokedAt: Date
    }

    /// ecdsa-with-SHA256 (RFC 5758 §3.2): the OID alone, no parameters.
    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    static let crlNumber: ASN1ObjectIdentifier = [2, 5, 29, 20]

    static func make(
        issuer: Certificate, issuerKey: P256.Signing.PrivateKey, entries: [Entry], number: Int, thisUpdate: Date,
        nextUpdate: Date
    ) throws -> [UInt8] {
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { body in
            try body.serialize(1)  // v2
            try algorithm(&body)
            try body.serialize(issuer.subject)
            try body.serialize(try utcTime(thisUpdate))
            try body.serialize(try utcTime(nextUpdate))
            if !entries.isEmpty {
                try body.appendConstructedNode(identifier: .sequence) { list in
                    for entry in entries {
                        try list.appendConstructedNode(identifier: .sequence) { revoked in
                            revoked.appendPrimitiveNode(identifier: .integer) {
                                $0.append(contentsOf: entry.serial.bytes)
                            }
                            try revoked.serialize(try utcTime(entry.revokedAt))
                        }
                    }
                }
            }
            try body.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { tagged in
                try tagged.appendConstructedNode(identifier: .sequence) { extensions in
                    let authority = try Certificate.Extension(
                        AuthorityKeyIdentifier(
                            keyIdentifier: try issuer.extensions.subjectKeyIdentifier?.keyIdentifier),
                        critical: false)
                    try extensions.serialize(authority)
                    try extensions.serialize(
                        Certificate.Extension(oid: crlNumber, critical: false, value: try integerBytes(number)[...]))
                }
            }
        }
        let tbsBytes = tbs.serializedBytes
        let signature = try issuerKey.signature(for: tbsBytes).derRepresentation
        var list = DER.Serializer()
        try list.appendConstructedNode(identifier: .sequence) { outer in
            outer.serializeRawBytes(tbsBytes)
            try algorithm(&outer)
            try outer.serialize(ASN1BitString(bytes: Array(signature)[...]))
        }
        return list.serializedBytes
    }

    static func pem(_ der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN X509 CRL-----\n\(body)\n-----END X509 CRL-----\n"
    }

    private static func algorithm(_ serializer: inout DER.Serializer) throws {
        try serializer.appendConstructedNode(identifier: .sequence) { try $0.serialize(ecdsaWithSHA256) }
    }

    private static func integerBytes(_ value: Int) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        return serializer.serializedBytes
    }

    /// UTCTime (RFC 5280: dates through 2049).
    private static func utcTime(_ date: Date) throws -> UTCTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return try UTCTime(
            year: parts.year!, month: parts.month!, day: parts.day!, hours: parts.hour!, minutes: parts.minute!,
            seconds: parts.second!)
    }
}
