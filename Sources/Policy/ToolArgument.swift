/// One argument a tool takes, and what its value must look like.
public struct ToolArgument: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        /// An absolute path without NUL bytes (normalised before matching).
        case path
        /// A TCP/UDP port, 1–65535.
        case port
        /// A decimal integer.
        case integer
        /// A host name or IP address: no whitespace, no `/`.
        case host
        /// A name (package, service, process, secret): letters, digits and `. _ + - @`.
        case name
        /// Free text (file content, a reason); never part of a capability.
        case text
    }

    public let name: String
    public let kind: Kind
    public let required: Bool

    public init(name: String, kind: Kind, required: Bool = true) {
        self.name = name
        self.kind = kind
        self.required = required
    }

    /// Checks a value against the kind; returns what is wrong, or nil.
    public func problem(with value: String) -> String? {
        if value.utf8.contains(0) { return "contains a NUL byte" }
        switch kind {
        case .path:
            guard value.hasPrefix("/") else { return "must be an absolute path (start with '/')" }
        case .port:
            guard let port = Int(value), (1...65_535).contains(port), value.allSatisfy(\.isASCII) else {
                return "must be a port number from 1 to 65535"
            }
        case .integer:
            guard Int(value) != nil else { return "must be a decimal integer" }
        case .host:
            guard !value.isEmpty, !value.contains(where: { $0.isWhitespace || $0 == "/" }) else {
                return "must be a host name or address (no spaces, no '/')"
            }
        case .name:
            let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || "._+-@".contains(c)) }
            guard !value.isEmpty, value.allSatisfy(allowed) else {
                return "must be a name of letters, digits and . _ + - @"
            }
        case .text:
            break
        }
        return nil
    }
}
