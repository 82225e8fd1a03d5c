import Audit
import Policy

/// The JSON Schema of a tool's input, derived from its catalogue definition: one string property per argument
/// (required as the catalogue says), plus the call's own `reason` and `task_id`. Every value is a string, as the
/// daemon's `ExecuteTool` takes them; the patterns say what ``ToolArgument/problem(with:)`` accepts, and the
/// daemon checks again whatever the client sends.
enum ToolSchema {
    /// The call's fields beside the tool's arguments; a tool argument of the same name takes precedence.
    static let reasonField = "reason"
    static let taskField = "task_id"

    static func input(for definition: ToolDefinition) -> JSONValue {
        var properties: [(key: String, value: JSONValue)] = definition.arguments.map { ($0.name, property($0)) }
        let declared = Set(definition.arguments.map(\.name))
        if !declared.contains(reasonField) {
            properties.append(
                (reasonField, text("Why you make this call, in a sentence; recorded in the audit ledger.")))
        }
        if !declared.contains(taskField) {
            properties.append(
                (taskField, text("The task this call serves; grants given for a task apply to calls naming it.")))
        }
        return .object([
            ("type", .string("object")),
            ("properties", .object(properties)),
            ("required", .array(definition.arguments.filter(\.required).map { .string($0.name) })),
            ("additionalProperties", .bool(false)),
        ]).sortingKeys
    }

    private static func property(_ argument: ToolArgument) -> JSONValue {
        let (meaning, pattern): (String, String?) =
            switch argument.kind {
            case .path: ("An absolute path.", "^/")
            case .port: ("A port number from 1 to 65535, as a string.", "^[0-9]{1,5}$")
            case .integer: ("A decimal integer, as a string.", "^[+-]?[0-9]+$")
            case .host: ("A host name or address (no spaces, no '/').", "^[^\\s/]+$")
            case .name: ("A name of letters, digits and . _ + - @.", "^[A-Za-z0-9._+@-]+$")
            case .text: ("Text.", nil)
            }
        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("string")), ("description", .string(meaning)),
        ]
        if let pattern { members.append(("pattern", .string(pattern))) }
        return .object(members)
    }

    private static func text(_ description: String) -> JSONValue {
        .object([("type", .string("string")), ("description", .string(description))])
    }
}
