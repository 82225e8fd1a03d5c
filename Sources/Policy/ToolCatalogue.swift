import Capabilities

/// The tools agents can call, by name.
public struct ToolCatalogue: Hashable, Sendable {
    public let tools: [String: ToolDefinition]

    public init(_ tools: [ToolDefinition]) {
        self.tools = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    public var names: [String] { tools.keys.sorted() }

    /// The access a call of `tool` with `arguments` needs, or why the call is malformed.
    public func access(tool: String, arguments: [String: String]) -> Result<ToolAccess, ToolCallError> {
        guard let definition = tools[tool] else {
            return .failure(
                ToolCallError(tool: tool, problems: ["unknown tool (known: \(names.joined(separator: ", ")))"]))
        }
        return definition.access(for: arguments)
    }

    /// This catalogue with `overrides` replacing or adding tools by name.
    public func merging(_ overrides: [ToolDefinition]) -> ToolCatalogue {
        ToolCatalogue(Array(tools.values) + overrides)
    }
}
