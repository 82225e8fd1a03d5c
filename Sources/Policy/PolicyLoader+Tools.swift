import Capabilities
import Yams

extension PolicyLoader {
    /// Reads `tools:`: name → `capability`, `risk`, `args` (name → kind, `?` marks optional), `summary`.
    mutating func readTools(_ node: Node) -> [ToolDefinition] {
        guard let pairs = reader.mapping(node, "'tools'") else { return [] }
        return pairs.compactMap { readTool($0.key, keyNode: $0.keyNode, value: $0.value) }
    }

    private mutating func readTool(_ name: String, keyNode: Node, value: Node) -> ToolDefinition? {
        guard isValidName(name) else {
            reader.report(keyNode, "'\(name)' is not a valid tool name (letters, digits, . _ -)")
            return nil
        }
        guard let fields = reader.mapping(value, "tool '\(name)'") else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["capability", "risk", "args", "summary"], in: "tool '\(name)'")
        var template: CapabilityTemplate? = nil
        var risk: RiskLevel? = nil
        var arguments: [ToolArgument] = []
        var summary = ""
        for field in fields {
            switch field.key {
            case "capability": template = readTemplate(field.value)
            case "risk":
                guard let text = reader.scalar(field.value, "risk") else { continue }
                risk = RiskLevel(rawValue: text)
                if risk == nil {
                    reader.report(field.value, "unknown risk '\(text)' (low, medium, high, critical)")
                }
            case "args": arguments = readArguments(field.value, tool: name)
            case "summary": summary = reader.scalar(field.value, "summary") ?? ""
            default: break
            }
        }
        guard let template, let risk else {
            if !fields.contains(where: { $0.key == "capability" }) {
                reader.report(value, "tool '\(name)' needs a 'capability'")
            }
            if !fields.contains(where: { $0.key == "risk" }) { reader.report(value, "tool '\(name)' needs a 'risk'") }
            return nil
        }
        for placeholder in template.placeholders {
            guard let argument = arguments.first(where: { $0.name == placeholder }) else {
                reader.report(value, "tool '\(name)': placeholder {\(placeholder)} is not one of its args")
                continue
            }
            if argument.kind == .text || !argument.required {
                reader.report(value, "tool '\(name)': {\(placeholder)} must be a required argument that is not text")
            }
        }
        let definition = ToolDefinition(
            name: name, capability: template, risk: risk, arguments: arguments, summary: summary)
        // The Broker runs the built-in tools by what they do; a policy that redefined `fs.write` as needing only
        // `fs:read:{path}` would have it write with read rights. New tools are welcome; a built-in keeps its
        // capability and arguments, and its risk may only be raised (more confirmation, never less).
        if let builtin = base?.tools.tools[name],
            builtin.capability != definition.capability || builtin.arguments != definition.arguments
                || definition.risk < builtin.risk
        {
            reader.report(
                keyNode,
                "'\(name)' is a built-in tool: a policy may raise its risk, not change its capability or arguments "
                    + "or lower its risk")
            return nil
        }
        return definition
    }

    private mutating func readTemplate(_ node: Node) -> CapabilityTemplate? {
        guard let text = reader.scalar(node, "capability") else { return nil }
        do {
            return try CapabilityTemplate(parsing: text)
        } catch {
            reader.report(
                node, "\(error.reason) in capability template '\(text)'",
                columnOffset: error.column - 1 + YAMLReader.contentOffset(node))
            return nil
        }
    }

    private mutating func readArguments(_ node: Node, tool: String) -> [ToolArgument] {
        guard let pairs = reader.mapping(node, "args of tool '\(tool)'") else { return [] }
        var arguments: [ToolArgument] = []
        for pair in pairs {
            guard let text = reader.scalar(pair.value, "an argument kind") else { continue }
            let optional = text.hasSuffix("?")
            let kindName = optional ? String(text.dropLast()) : text
            guard let kind = ToolArgument.Kind(rawValue: kindName) else {
                let kinds = ToolArgument.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                reader.report(pair.value, "unknown argument kind '\(kindName)' (\(kinds); add '?' for optional)")
                continue
            }
            arguments.append(ToolArgument(name: pair.key, kind: kind, required: !optional))
        }
        return arguments
    }
}
