import Capabilities

/// A tool an agent can call, the capability it needs (from its arguments) and its risk.
public struct ToolDefinition: Hashable, Sendable {
    public let name: String
    public let capability: CapabilityTemplate
    public let risk: RiskLevel
    public let arguments: [ToolArgument]
    public let summary: String

    public init(
        name: String, capability: CapabilityTemplate, risk: RiskLevel, arguments: [ToolArgument], summary: String
    ) {
        self.name = name
        self.capability = capability
        self.risk = risk
        self.arguments = arguments
        self.summary = summary
    }

    /// Checks a call's arguments and derives the access it needs. Every problem is reported, none is a denial:
    /// a malformed call is an error of the caller, not a decision about the agent.
    public func access(for values: [String: String]) -> Result<ToolAccess, ToolCallError> {
        var problems: [String] = []
        let declared = Dictionary(uniqueKeysWithValues: arguments.map { ($0.name, $0) })
        for key in values.keys.sorted() where declared[key] == nil {
            problems.append("unknown argument '\(key)'")
        }
        for argument in arguments {
            guard let value = values[argument.name] else {
                if argument.required { problems.append("missing argument '\(argument.name)' (\(argument.kind))") }
                continue
            }
            if let problem = argument.problem(with: value) { problems.append("argument '\(argument.name)' \(problem)") }
        }
        guard problems.isEmpty else { return .failure(ToolCallError(tool: name, problems: problems)) }
        let resource = capability.resource(with: values)
        do {
            let request = try AccessRequest(
                namespace: capability.namespace, action: capability.action, resource: resource)
            return .success(ToolAccess(tool: self, request: request))
        } catch {
            return .failure(ToolCallError(tool: name, problems: ["\(error)"]))
        }
    }
}

/// What a well-formed tool call needs: the request to check, and how risky it is.
public struct ToolAccess: Hashable, Sendable {
    public let tool: ToolDefinition
    public let request: AccessRequest

    public var risk: RiskLevel { tool.risk }
}

/// A tool call that is malformed: unknown tool, missing, extra or ill-typed arguments.
public struct ToolCallError: Error, Hashable, Sendable, CustomStringConvertible {
    public let tool: String
    public let problems: [String]

    public var description: String { "tool \(tool): " + problems.joined(separator: "; ") }
}
