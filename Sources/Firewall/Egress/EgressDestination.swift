import NIOCore

/// Where an agent asks to go through the egress proxy: the `host:port` of a `CONNECT`, checked before anything is
/// resolved. A name is lower-cased and must be a DNS name (letters, digits, `-`, `.`; labels of 1–63 bytes; at most
/// 253 bytes); an address literal is kept as written (`[…]` removed) and is only ever allowed by a capability that
/// names that address.
public struct EgressDestination: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// Whether ``host`` is an IPv4 or IPv6 literal rather than a name.
    public let isAddress: Bool

    public var description: String { isAddress && host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses a `CONNECT` request target (`authority-form`: `host:port`, `[v6]:port`).
    public init(authority: String) throws(EgressRefusal) {
        guard authority.utf8.count <= 300 else { throw .malformed("the target is longer than 300 bytes") }
        let host: Substring
        let portText: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]"),
                authority[authority.index(after: close)...].hasPrefix(":")
            else { throw .malformed("expected [ADDRESS]:PORT, got '\(Self.printable(authority))'") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            portText = authority[authority.index(close, offsetBy: 2)...]
        } else {
            guard let colon = authority.lastIndex(of: ":") else {
                throw .malformed("expected HOST:PORT, got '\(Self.printable(authority))'")
            }
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard let port = Int(portText), (1...65535).contains(port), portText.allSatisfy(\.isASCII),
            portText.first != "+"
        else { throw .malformed("port '\(Self.printable(String(portText)))' is not 1-65535") }
        self.port = port
        if let address = try? SocketAddress(ipAddress: String(host), port: port) {
            self.host = address.ipAddress ?? String(host)
            isAddress = true
            return
        }
        let name = host.lowercased().hasSuffix(".") ? String(host.lowercased().dropLast()) : host.lowercased()
        // A name whose last label is a number is an IPv4 address in some form (`10.0.0.5.`, `167772165`,
        // `0x7f.1`), which resolvers accept: the canonical dotted quad is taken as the address it is, any other
        // form refused, so an address never passes as a name.
        if let last = name.split(separator: ".", omittingEmptySubsequences: false).last, Self.isNumeric(last) {
            guard let address = try? SocketAddress(ipAddress: name, port: port), let text = address.ipAddress,
                text == name
            else { throw .malformed("'\(Self.printable(String(host)))' is an address in a form other than a.b.c.d") }
            self.host = text
            isAddress = true
            return
        }
        guard Self.isDNSName(name) else { throw .malformed("'\(Self.printable(String(host)))' is not a host name") }
        self.host = name
        isAddress = false
    }

    /// Decimal digits, or `0x` and hex digits: how an IPv4 address part is written in the forms resolvers accept.
    static func isNumeric(_ label: Substring) -> Bool {
        if label.hasPrefix("0x") { return label.dropFirst(2).allSatisfy(\.isHexDigit) }
        return !label.isEmpty && label.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func isDNSName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { byte in
                    (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "-")
                        || byte == UInt8(ascii: "_")
                }
        }
    }

    static func printable(_ text: String) -> String {
        String(
            text.unicodeScalars.prefix(80).map {
                $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?"
            })
    }
}

/// Why the proxy refused a connection: what is recorded and what the agent is told (never more than that).
public enum EgressRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request was not a well-formed `CONNECT`.
    case malformed(String)
    /// No capability allows it; the capability that would have.
    case notAllowed(missing: String)
    /// The name resolved to no address the proxy connects to (loopback, link-local, … or none at all).
    case noUsableAddress(String)
    /// The TLS ClientHello named another host than the `CONNECT` (domain fronting, or a wrong client).
    case nameMismatch(connect: String, sni: String)
    /// The destination did not answer, or refused.
    case unreachable(String)
    /// The agent's limits (connections per minute, bytes) are used up.
    case overLimit(String)
    /// An open tunnel's capability ended (a revoked or expired grant, an emergency stop): cut.
    case revoked(missing: String)
    /// An open tunnel carried nothing for the idle timeout: closed.
    case idle(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed request: \(why)"
        case .notAllowed(let missing): return "not allowed: needs \(missing)"
        case .noUsableAddress(let why): return "no usable address: \(why)"
        case .nameMismatch(let connect, let sni): return "TLS names \(sni), CONNECT named \(connect)"
        case .unreachable(let why): return "unreachable: \(why)"
        case .overLimit(let why): return "over limit: \(why)"
        case .revoked(let missing): return "cut: no longer allowed (needs \(missing))"
        case .idle(let why): return "closed: idle (\(why))"
        }
    }

    /// The short word recorded as the connection's outcome.
    public var kind: String {
        switch self {
        case .malformed: return "malformed"
        case .notAllowed: return "not_allowed"
        case .noUsableAddress: return "no_usable_address"
        case .nameMismatch: return "name_mismatch"
        case .unreachable: return "unreachable"
        case .overLimit: return "over_limit"
        case .revoked: return "revoked"
        case .idle: return "idle"
        }
    }
}
