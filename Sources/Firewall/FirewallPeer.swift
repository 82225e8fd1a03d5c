import Policy

/// The other end of a rule: anyone, an address prefix, or (outbound allow only) a name the forwarder resolves.
public enum FirewallPeer: Hashable, Sendable, CustomStringConvertible {
    case any
    case prefix(IPPrefix)
    case name(HostPattern)

    /// `any`, an address or prefix (`10.0.0.0/8`, `2001:db8::1`), or a name (`api.example.com`, `*.example.com`).
    public init(parsing text: String) throws(FirewallError) {
        // In any case: names are case-insensitive, so `ANY` as a name would print as the keyword (found by fuzzing).
        if text.lowercased() == "any" {
            self = .any
            return
        }
        if let prefix = try? IPPrefix(parsing: text) {
            self = .prefix(prefix)
            return
        }
        // Something shaped like an address that did not parse gets the address error, not the name error.
        if text.contains("/") || text.contains(":") || text.allSatisfy({ $0.isNumber || $0 == "." }) {
            do {
                _ = try IPPrefix(parsing: text)
            } catch {
                throw .invalidInput(error.description)
            }
        }
        do {
            self = .name(try HostPattern(parsing: text))
        } catch {
            throw .invalidInput(error.description)
        }
    }

    public var description: String {
        switch self {
        case .any: return "any"
        case .prefix(let prefix): return prefix.description
        case .name(let pattern): return pattern.description
        }
    }
}
