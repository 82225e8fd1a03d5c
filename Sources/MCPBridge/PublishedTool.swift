import Audit
import Crypto
import MCP
import Policy

/// One catalogue tool as MCP publishes it, with the SHA-256 a client pins.
///
/// The pin covers what steers a model: the canonical JSON of `{"annotations", "description", "inputSchema",
/// "name"}` (members sorted by key, no whitespace, minimal string escapes — what Python's
/// `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes). It is published in the
/// tool's `_meta` under ``PublishedTool/hashKey`` and by `aios-sec mcp --print-tool-hashes`; the text comes from the
/// catalogue compiled into the binary, so the same binary always publishes the same pins.
public struct PublishedTool: Sendable {
    public static let hashKey = "aios.security/sha256"

    public let definition: ToolDefinition
    public let tool: Tool
    /// The bytes the pin is the SHA-256 of.
    public let canonicalJSON: [UInt8]
    /// Lowercase hex.
    public let sha256: String

    public init(_ definition: ToolDefinition) {
        self.definition = definition
        let description = Self.description(of: definition)
        let schema = ToolSchema.input(for: definition)
        let annotations = Self.annotations(of: definition)
        let pinned: JSONValue = .object([
            ("annotations", annotations), ("description", .string(description)), ("inputSchema", schema),
            ("name", .string(definition.name)),
        ]).sortingKeys
        canonicalJSON = pinned.canonicalBytes
        sha256 = SHA256.hash(data: canonicalJSON).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        tool = Tool(
            name: definition.name, description: description, inputSchema: Value(schema),
            annotations: Tool.Annotations(
                readOnlyHint: annotations["readOnlyHint"] == .bool(true),
                destructiveHint: annotations["destructiveHint"] == .bool(true)),
            _meta: Metadata(additionalFields: [Self.hashKey: .string(sha256)]))
    }

    /// The catalogue's summary, the capability the call needs, and what its risk means. The risk named is the
    /// built-in one: a policy may raise it (never lower it), so the daemon may ask for confirmation more often.
    static func description(of definition: ToolDefinition) -> String {
        var text = definition.summary.isEmpty ? definition.name : definition.summary
        if !text.hasSuffix(".") { text += "." }
        text += " Needs the capability \(definition.capability). Risk: \(definition.risk)"
        text +=
            definition.risk.requiresConfirmation
            ? "; the call waits until the orchestrator confirms or refuses it."
            : " (a policy may raise it; high-risk calls wait for the orchestrator's confirmation)."
        return text
    }

    /// Hints for clients, from the capability's action: reading changes nothing, writing, deleting and killing
    /// destroy what was there.
    static func annotations(of definition: ToolDefinition) -> JSONValue {
        let action = definition.capability.action
        return .object([
            (
                "destructiveHint",
                .bool(
                    ["write", "delete", "kill", "remove", "stop", "install", "update", "pip_install"].contains(action))
            ),
            ("readOnlyHint", .bool(["read", "list", "status", "query"].contains(action))),
        ])
    }
}

extension Value {
    /// The same JSON as an MCP value (integers stay integers).
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .integer(let value): self = .int(Int(value))
        case .number(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(Value.init))
        case .object(let members):
            self = .object(Dictionary(members.map { ($0.key, Value($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
