/// A workload identity in the `aios.local` trust domain: `spiffe://aios.local/<kind>/<name>`.
///
/// Stricter than the SPIFFE grammar: exactly two path segments, a known kind, and a name of letters, digits,
/// `.`, `_`, `-` (1–255 bytes), so an identity maps to one agent, service or operator and nothing else.
public struct SPIFFEID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Kind: String, Sendable, CaseIterable {
        case agent, service, `operator`
    }

    public static let trustDomain = "aios.local"

    public let kind: Kind
    public let name: String

    public var uri: String { "spiffe://\(Self.trustDomain)/\(kind.rawValue)/\(name)" }
    public var description: String { uri }

    public init(kind: Kind, name: String) throws(PKIError) {
        guard Self.isValidName(name) else {
            throw PKIError(.identity, "'\(name.prefix(80))' is not a valid name (1–255 of letters, digits, . _ -)")
        }
        self.kind = kind
        self.name = name
    }

    /// Parses a URI, refusing anything outside the trust domain.
    public init(parsing uri: String) throws(PKIError) {
        let prefix = "spiffe://"
        guard uri.hasPrefix(prefix) else { throw PKIError(.identity, "'\(uri.prefix(80))' is not a spiffe:// URI") }
        let rest = uri.dropFirst(prefix.count)
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.first.map(String.init) == Self.trustDomain else {
            throw PKIError(
                .identity, "'\(uri.prefix(80))' is outside the trust domain \(Self.trustDomain)")
        }
        guard parts.count == 3, let kind = Kind(rawValue: String(parts[1])) else {
            throw PKIError(
                .identity, "'\(uri.prefix(80))' must be spiffe://\(Self.trustDomain)/{agent|service|operator}/NAME")
        }
        try self.init(kind: kind, name: String(parts[2]))
    }

    public static func < (lhs: SPIFFEID, rhs: SPIFFEID) -> Bool { lhs.uri < rhs.uri }

    static func isValidName(_ name: String) -> Bool {
        (1...255).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
            && name != "." && name != ".."
    }
}
