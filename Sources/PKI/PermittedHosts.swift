import Foundation
import SwiftASN1
import X509

/// The DNS names and IP addresses the CA may certify, chosen once when the CA is created (`ca init
/// --permit-host`). The default is the loopback only: `localhost` (and names below it), `127.0.0.0/8` and `::1`.
///
/// DNS names are written into the root as X.509 name constraints: a TLS client that checks them (OpenSSL,
/// BoringSSL, Go, our own verifier) refuses any certificate below the root naming another host, whoever signed it.
/// IP ranges are kept in the CA's state and enforced by the CA when it issues, not by the root: BoringSSL — the TLS
/// library of the daemon and of `aios-sec call` — does not implement IP name constraints and rejects every
/// certificate with an IP address below a root that has them (measured with roots made by `openssl req`), which
/// would break the daemon's own loopback certificate.
public struct PermittedHosts: Hashable, Sendable {
    /// DNS subtrees: a name and every name below it (RFC 5280 §4.2.1.10).
    public var domains: [String]
    /// IP ranges: address followed by mask, 8 bytes for IPv4, 32 for IPv6.
    public var ranges: [[UInt8]]

    public static let loopback = PermittedHosts(
        domains: ["localhost"],
        ranges: [
            [127, 0, 0, 0, 255, 0, 0, 0],
            Array(repeating: 0, count: 15) + [1] + Array(repeating: 255, count: 16),
        ])

    public init(domains: [String], ranges: [[UInt8]]) {
        self.domains = domains
        self.ranges = ranges
    }

    /// The loopback plus `extra`: DNS names (each with the names below it), IP addresses, or `address/prefix`.
    public init(adding extra: [String]) throws(PKIError) {
        self = .loopback
        for text in extra {
            let (host, prefix) = try Self.split(text)
            switch try HostName(parsing: host) {
            case .dns(let name):
                guard prefix == nil else { throw PKIError(.request, "'\(text)': a DNS name takes no prefix length") }
                if !domains.contains(name) { domains.append(name) }
            case .ipv4(let bytes), .ipv6(let bytes):
                let range = try Self.range(bytes, prefix: prefix, text: text)
                if !ranges.contains(range) { ranges.append(range) }
            }
        }
    }

    /// An IP range from its text, `address` or `address/prefix`.
    static func range(parsing text: String) throws(PKIError) -> [UInt8] {
        let (host, prefix) = try split(text)
        switch try HostName(parsing: host) {
        case .dns: throw PKIError(.state, "'\(text.prefix(80))' is not an IP range")
        case .ipv4(let bytes), .ipv6(let bytes): return try range(bytes, prefix: prefix, text: text)
        }
    }

    private static func range(_ bytes: [UInt8], prefix: Int?, text: String) throws(PKIError) -> [UInt8] {
        let bits = prefix ?? bytes.count * 8
        guard bits <= bytes.count * 8 else {
            throw PKIError(.request, "'\(text.prefix(80))': the prefix is longer than the address")
        }
        let mask = (0..<bytes.count).map { index -> UInt8 in
            let left = bits - index * 8
            return left >= 8 ? 0xFF : left <= 0 ? 0 : UInt8(0xFF << (8 - left) & 0xFF)
        }
        return zip(bytes, mask).map { $0 & $1 } + mask
    }

    private static func split(_ text: String) throws(PKIError) -> (String, Int?) {
        guard let slash = text.firstIndex(of: "/") else { return (text, nil) }
        let digits = text[text.index(after: slash)...]
        guard let bits = Int(digits), String(bits) == digits, bits >= 0 else {
            throw PKIError(.request, "'\(text.prefix(80))': the prefix length is not a number")
        }
        return (String(text[..<slash]), bits)
    }

    /// The DNS subtrees a root permits (none for a root made before DNS names were constrained).
    static func domains(constrainedBy root: Certificate) throws(PKIError) -> [String] {
        do {
            return Array(try root.extensions.nameConstraints?.permittedDNSDomains ?? [])
        } catch {
            throw PKIError(.state, "the root's name constraints are unreadable: \(error)")
        }
    }

    /// Whether a host name falls inside these subtrees.
    public func permits(_ host: HostName) -> Bool {
        switch host {
        case .dns(let name):
            return domains.contains { name == $0 || name.hasSuffix("." + $0) }
        case .ipv4(let bytes), .ipv6(let bytes):
            return ranges.contains { range in
                range.count == bytes.count * 2
                    && zip(bytes, zip(range.prefix(bytes.count), range.suffix(bytes.count))).allSatisfy {
                        $0 & $1.1 == $1.0
                    }
            }
        }
    }

    /// For messages: `localhost, 127.0.0.0/8, ::1/128`.
    public var description: String { (domains + rangeTexts).joined(separator: ", ") }

    /// The IP ranges as `address/prefix`.
    var rangeTexts: [String] {
        ranges.map { range in
            let half = range.count / 2
            let address = Array(range.prefix(half))
            let bits = range.suffix(half).reduce(0) { $0 + $1.nonzeroBitCount }
            return (half == 4 ? HostName.ipv4(address) : HostName.ipv6(address)).text + "/\(bits)"
        }
    }

    /// The root's constraints: URIs in the trust domain, DNS names in ``domains``.
    var nameConstraints: NameConstraints {
        NameConstraints(permittedDNSDomains: domains, permittedURIDomains: [SPIFFEID.trustDomain])
    }
}
