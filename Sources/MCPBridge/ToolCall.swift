import AIOSProto
import MCP
import Policy

/// An MCP `tools/call` turned into the daemon's `ExecuteToolRequest`, or the problems that stop it.
///
/// Only the shape is checked here (a known tool; string values; no unknown keys): what a value must look like is the
/// daemon's to decide (``ToolDefinition/access(for:)``), so a malformed value reaches the ledger like any other call.
public struct ToolCall: Sendable {
    public let request: Aios_Security_V1_ExecuteToolRequest

    public init(definition: ToolDefinition, arguments: [String: Value]?) throws(ToolCallProblems) {
        let declared = Set(definition.arguments.map(\.name))
        var problems: [String] = []
        var values: [String: String] = [:]
        var reason = ""
        var taskID = ""
        for (key, value) in (arguments ?? [:]).sorted(by: { $0.key < $1.key }) {
            let string: String
            switch value {
            case .string(let text): string = text
            case .data:
                // The SDK turns a string that looks like a `data:` URL into bytes before we see it; its text cannot
                // be recovered byte for byte, so it is refused rather than altered.
                problems.append("argument '\(key)' is a data: URL, which cannot be passed through unchanged")
                continue
            default:
                problems.append("argument '\(key)' must be a string, not \(Self.kind(of: value))")
                continue
            }
            if declared.contains(key) {
                values[key] = string
            } else if key == ToolSchema.reasonField {
                reason = string
            } else if key == ToolSchema.taskField {
                taskID = string
            } else {
                problems.append("unknown argument '\(key)'")
            }
        }
        for argument in definition.arguments where argument.required && values[argument.name] == nil {
            if !problems.contains(where: { $0.hasPrefix("argument '\(argument.name)'") }) {
                problems.append("missing argument '\(argument.name)' (\(argument.kind))")
            }
        }
        guard problems.isEmpty else { throw ToolCallProblems(tool: definition.name, problems: problems) }
        var request = Aios_Security_V1_ExecuteToolRequest()
        request.tool = definition.name
        request.arguments = values
        request.reason = reason
        request.taskID = taskID
        self.request = request
    }

    private static func kind(of value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string, .data: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Why a call never reached the daemon.
public struct ToolCallProblems: Error, Equatable {
    public let tool: String
    public let problems: [String]

    public var message: String { "invalid call of \(tool): " + problems.joined(separator: "; ") }
}
