import Capabilities

/// The capability a tool needs, with `{argument}` placeholders in the resource: `fs:write:{path}`,
/// `net:connect:{host}:{port}`, or no resource at all (`process:list`).
public struct CapabilityTemplate: Hashable, Sendable, CustomStringConvertible {
    public enum Piece: Hashable, Sendable {
        case literal(String)
        case argument(String)
    }

    public let namespace: String
    public let action: String
    /// `nil` when the capability has no resource part; the request's resource is then empty.
    public let resource: [Piece]?

    public let description: String

    /// Parses a template; the error says what is wrong and at which column.
    public init(parsing text: String) throws(TemplateError) {
        description = text
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { throw TemplateError(column: text.count + 1, reason: "missing ':action'") }
        do {
            _ = try Capability(parsing: parts[0] + ":" + parts[1])
        } catch {
            throw TemplateError(column: error.column, reason: error.reason)
        }
        guard parts[1] != "*" else {
            throw TemplateError(column: parts[0].count + 2, reason: "a tool names one action")
        }
        namespace = parts[0]
        action = parts[1]
        guard parts.count == 3 else {
            resource = nil
            return
        }
        resource = try Self.pieces(parts[2], offset: parts[0].count + parts[1].count + 2)
    }

    private static func pieces(_ text: String, offset: Int) throws(TemplateError) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var name: String? = nil
        for (index, character) in text.enumerated() {
            let column = offset + index + 1
            switch (character, name) {
            case ("{", nil):
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                name = ""
            case ("{", _):
                throw TemplateError(column: column, reason: "nested '{'")
            case ("}", let current?):
                guard !current.isEmpty else { throw TemplateError(column: column, reason: "empty placeholder") }
                pieces.append(.argument(current))
                name = nil
            case ("}", nil):
                throw TemplateError(column: column, reason: "'}' without '{'")
            case ("*", _):
                throw TemplateError(column: column, reason: "a tool's capability names one resource, no '*'")
            case (_, let current?):
                name = current + String(character)
            default:
                literal.append(character)
            }
        }
        if name != nil { throw TemplateError(column: offset + text.count + 1, reason: "unclosed '{'") }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        if pieces.isEmpty { throw TemplateError(column: offset + 1, reason: "empty resource") }
        return pieces
    }

    /// The argument names the resource uses.
    public var placeholders: [String] {
        (resource ?? []).compactMap { piece in
            if case .argument(let name) = piece { return name }
            return nil
        }
    }

    /// The resource for concrete argument values (every placeholder must have a value).
    func resource(with values: [String: String]) -> String {
        (resource ?? []).map { piece in
            switch piece {
            case .literal(let text): text
            case .argument(let name): values[name] ?? ""
            }
        }.joined()
    }
}

public struct TemplateError: Error, Hashable, Sendable {
    public let column: Int
    public let reason: String
}
