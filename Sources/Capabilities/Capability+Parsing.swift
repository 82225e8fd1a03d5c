extension Capability {
    /// The longest capability string accepted, in UTF-8 bytes.
    public static let maximumLength = 4096

    /// Parses `namespace:action[:resource_pattern]`.
    ///
    /// The string is split on its first two colons; everything after the second is the resource pattern and may
    /// contain `:` (`net:connect:10.0.0.5:5432`). Namespace and action use letters, digits, `_`, `-` and `.`;
    /// the action may be `*`. A resource pattern is non-empty, has no control characters, and uses `*` only as the
    /// whole pattern or as a final `/*`. In a path namespace (``ResourceKind/pathNamespaces``) the pattern is `*`
    /// or an absolute, normalised path.
    public init(parsing text: String) throws(CapabilityError) {
        self = try CapabilityParser(text).parse()
    }
}

/// Parses one capability, tracking columns in Unicode scalars.
private struct CapabilityParser {
    let text: String
    let scalars: [Unicode.Scalar]

    init(_ text: String) {
        self.text = text
        self.scalars = Array(text.unicodeScalars)
    }

    func fail(_ code: CapabilityError.Code, at index: Int, _ reason: String) -> CapabilityError {
        .make(code, text, column: index + 1, reason)
    }

    func parse() throws(CapabilityError) -> Capability {
        guard !scalars.isEmpty else { throw fail(.empty, at: 0, "empty capability") }
        guard text.utf8.count <= Capability.maximumLength else {
            throw fail(.tooLong, at: 0, "capability longer than \(Capability.maximumLength) bytes")
        }
        try rejectControlCharacters()
        if scalars.first!.properties.isWhitespace || scalars.last!.properties.isWhitespace {
            let index = scalars.first!.properties.isWhitespace ? 0 : scalars.count - 1
            throw fail(.surroundingWhitespace, at: index, "leading or trailing whitespace")
        }
        guard let firstColon = scalars.firstIndex(of: ":") else {
            throw fail(.missingAction, at: scalars.count, "missing ':action' after the namespace")
        }
        let namespace = try name(0..<firstColon, code: .invalidNamespaceCharacter, what: "namespace")
        let actionEnd = scalars[(firstColon + 1)...].firstIndex(of: ":") ?? scalars.count
        let action = try actionPart(firstColon + 1..<actionEnd)
        guard actionEnd < scalars.count else {
            return Capability(namespace: namespace, action: action, resource: .unrestricted)
        }
        let resource = try resourcePart(actionEnd + 1..<scalars.count, kind: ResourceKind.of(namespace: namespace))
        return Capability(namespace: namespace, action: action, resource: resource)
    }

    func rejectControlCharacters() throws(CapabilityError) {
        for (index, scalar) in scalars.enumerated() where scalar.value < 0x20 || scalar.value == 0x7F {
            if scalar.value == 0 { throw fail(.nulByte, at: index, "NUL byte") }
            throw fail(.controlCharacter, at: index, "control character U+\(hex4(scalar.value))")
        }
    }

    func string(_ range: Range<Int>) -> String {
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[range])
        return String(out)
    }

    static func isNameScalar(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".": true
        default: false
        }
    }

    func name(_ range: Range<Int>, code: CapabilityError.Code, what: String) throws(CapabilityError) -> String {
        guard !range.isEmpty else {
            throw fail(what == "namespace" ? .emptyNamespace : .emptyAction, at: range.lowerBound, "empty \(what)")
        }
        for index in range where !Self.isNameScalar(scalars[index]) {
            if scalars[index] == "*" && what == "namespace" {
                throw fail(.misplacedWildcard, at: index, "namespaces have no wildcard; name one namespace")
            }
            if scalars[index] == "*" {
                throw fail(.misplacedWildcard, at: index, "'*' must be the whole action")
            }
            throw fail(code, at: index, "'\(scalars[index])' is not allowed in a \(what) (letters, digits, _ - .)")
        }
        return string(range)
    }

    func actionPart(_ range: Range<Int>) throws(CapabilityError) -> String? {
        if range.count == 1 && scalars[range.lowerBound] == "*" { return nil }
        return try name(range, code: .invalidActionCharacter, what: "action")
    }

    func resourcePart(_ range: Range<Int>, kind: ResourceKind) throws(CapabilityError) -> ResourcePattern {
        guard !range.isEmpty else { throw fail(.emptyResource, at: range.lowerBound, "empty resource pattern") }
        let value = string(range)
        if value == "*" { return .any }
        let last = range.upperBound - 1
        for index in range where scalars[index] == "*" {
            let isFinalSlashStar = index == last && index > range.lowerBound && scalars[index - 1] == "/"
            if !isFinalSlashStar {
                throw fail(.misplacedWildcard, at: index, "'*' is only allowed as the whole pattern or a final '/*'")
            }
        }
        let isBelow = scalars[last] == "*"
        if kind == .path { try checkPath(range, isBelow: isBelow) }
        if isBelow { return .below(String(value.dropLast())) }
        return .exact(value)
    }

    /// A path pattern must be absolute and already normalised: requests are normalised before matching, so
    /// `/etc/` or `/opt/../etc/*` could never match what their author meant.
    func checkPath(_ range: Range<Int>, isBelow: Bool) throws(CapabilityError) {
        guard scalars[range.lowerBound] == "/" else {
            throw fail(.relativePath, at: range.lowerBound, "a path pattern must be absolute (start with '/') or '*'")
        }
        let pathEnd = isBelow ? range.upperBound - 2 : range.upperBound  // without the final "/*"
        if isBelow && pathEnd == range.lowerBound { return }  // "/*"
        if !isBelow && pathEnd == range.lowerBound + 1 { return }  // "/"
        var segmentStart = range.lowerBound + 1
        for index in (range.lowerBound + 1)...pathEnd where index == pathEnd || scalars[index] == "/" {
            let segment = string(segmentStart..<index)
            if segment.isEmpty {
                let trailing = index == pathEnd && !isBelow
                let reason = trailing ? "trailing '/'" : "empty path segment ('//')"
                throw fail(
                    .unnormalisedPath, at: trailing ? index - 1 : index, "path pattern is not normalised: \(reason)")
            }
            if segment == "." || segment == ".." {
                throw fail(.unnormalisedPath, at: segmentStart, "path pattern is not normalised: '\(segment)' segment")
            }
            segmentStart = index + 1
        }
    }
}

func hex4(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
