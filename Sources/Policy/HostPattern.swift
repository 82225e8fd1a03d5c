/// A DNS name the outbound allow-list accepts: `api.anthropic.com`, or `*.debian.org` for every name strictly
/// below `debian.org` at any depth (not `debian.org` itself, as in TLS and dnsmasq's `nftset=`). Lower case, LDH
/// labels (plus `_`), at most 253 bytes; `*` only as the whole first label.
public struct HostPattern: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The name without the `*.` of a wildcard, lower case, no trailing dot.
    public let suffix: String
    public let isWildcard: Bool

    public init(parsing text: String) throws(IPPrefixError) {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let wildcard = name.hasPrefix("*.")
        if wildcard { name.removeFirst(2) }
        if let problem = Self.problem(in: name) { throw IPPrefixError("'\(text)' is not a host name: \(problem)") }
        guard !wildcard || name.contains(".") else {
            throw IPPrefixError("'\(text)': a wildcard must sit below a domain of two labels or more")
        }
        suffix = name
        isWildcard = wildcard
    }

    /// Whether `name` (lower case, no trailing dot, as ``DNSName`` gives it) is allowed by this pattern.
    public func matches(_ name: String) -> Bool {
        guard isWildcard else { return name == suffix }
        return name.count > suffix.count + 1 && name.hasSuffix("." + suffix)
    }

    public var description: String { isWildcard ? "*." + suffix : suffix }

    public static func < (lhs: HostPattern, rhs: HostPattern) -> Bool { lhs.description < rhs.description }

    /// What is wrong with a plain name, or nil.
    static func problem(in name: String) -> String? {
        guard !name.isEmpty else { return "empty" }
        guard name.utf8.count <= 253 else { return "longer than 253 bytes" }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty else { return "empty label" }
            guard label.utf8.count <= 63 else { return "label '\(label)' is longer than 63 bytes" }
            guard label.utf8.allSatisfy({ isLabelByte($0) }) else {
                return "label '\(label)' has characters other than a-z 0-9 - _ (or a '*' not at the start)"
            }
            guard label.first != "-", label.last != "-" else { return "label '\(label)' starts or ends with '-'" }
        }
        return nil
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
