/// A capability string that does not follow the grammar `namespace:action[:resource_pattern]`.
///
/// Carries the 1-based column (counted in Unicode scalars, like YAML columns) of the first bad character and a
/// reason a policy author can act on. Capability strings are policy, never secrets, so the input is kept.
public struct CapabilityError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case empty
        case tooLong
        case missingAction
        case emptyNamespace
        case emptyAction
        case emptyResource
        case invalidNamespaceCharacter
        case invalidActionCharacter
        case controlCharacter
        case nulByte
        case surroundingWhitespace
        case misplacedWildcard
        case relativePath
        case unnormalisedPath
    }

    let code: Code
    /// The capability text as written.
    public let input: String
    /// 1-based column of the offending character within `input`.
    public let column: Int
    /// What is wrong, in words.
    public let reason: String

    public var description: String { "column \(column): \(reason) in capability '\(printable(input))'" }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.column == rhs.column && lhs.input == rhs.input
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(column)
        hasher.combine(input)
    }

    static func make(_ code: Code, _ input: String, column: Int, _ reason: String) -> CapabilityError {
        CapabilityError(code: code, input: input, column: column, reason: reason)
    }
}

/// Renders control characters visibly so an error message never carries a raw NUL or escape sequence.
func printable(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 || scalar.value == 0x7F {
            out += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
