import ArgumentParser
import Capabilities
import Policy

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check and show security policy.",
        subcommands: [PolicyCheckCommand.self, PolicyShowCommand.self]
    )
}

struct PolicyCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a policy file: exit 0 with a summary, or 65 with every problem as file:line:column.",
        discussion: "Warnings (legal but risky choices) go to stderr and do not change the exit code."
    )

    @Argument(help: "Policy YAML file.")
    var file: String

    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        let file: String
        let valid: Bool
        let roles: Int?
        let agents: Int?
        let tools: Int?
        let protectedPaths: [String]?
        let issues: [String]
        let warnings: [String]
    }

    func run() throws {
        let policy: SecurityPolicy
        do {
            policy = try SecurityPolicy.load(file: file)
        } catch {
            if output.json {
                try printJSON(
                    Report(
                        file: file, valid: false, roles: nil, agents: nil, tools: nil, protectedPaths: nil,
                        issues: error.issues.map(\.description), warnings: []))
            } else {
                printError(error.description)
            }
            throw ExitStatus.dataError
        }
        for warning in policy.warnings where !output.json { printError(warning.description) }
        if output.json {
            try printJSON(
                Report(
                    file: file, valid: true, roles: policy.roles.count, agents: policy.agents.count,
                    tools: policy.tools.tools.count, protectedPaths: policy.protectedPaths, issues: [],
                    warnings: policy.warnings.map(\.description)))
            return
        }
        let warnings = policy.warnings.isEmpty ? "" : ", \(policy.warnings.count) warning(s)"
        print(
            "\(file): valid policy: \(policy.roles.count) roles, \(policy.agents.count) agents, "
                + "\(policy.tools.tools.count) tools, \(policy.protectedPaths.count) protected paths\(warnings)")
    }
}

struct PolicyShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show roles with their capabilities and grant ceilings, agents, and tools with their risk."
    )

    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Show only this role.")
    var role: String?

    func run() throws {
        let policy = try policyOptions.load()
        var roles = policy.roles
        if let role {
            roles = roles.filter { $0.name.rawValue == role }
            guard !roles.isEmpty else {
                printError(
                    "no role '\(role)' in \(policy.source); roles: \(policy.roles.map(\.name.rawValue).joined(separator: ", "))"
                )
                throw ExitStatus.dataError
            }
        }
        if output.json {
            try printJSON(PolicySummary(policy: policy, roles: roles, includeTools: role == nil))
            return
        }
        print("policy: \(policy.source) (version \(policy.version))")
        print("protected paths: \(policy.protectedPaths.joined(separator: ", "))")
        for definition in roles {
            print("\nrole \(definition.name)")
            print("  capabilities: \(list(definition.capabilities))")
            print("  grant ceiling: allow \(list(definition.ceiling.allowed))")
            print("                 exclude \(list(definition.ceiling.excluded))")
            let members = policy.agents.filter { $0.value.contains { $0.role == definition.name } }.keys.sorted()
            print("  agents: \(members.map(\.rawValue).joined(separator: ", "))")
        }
        guard role == nil else { return }
        print("\ntools:")
        for name in policy.tools.names {
            let tool = policy.tools.tools[name]!
            let confirm = tool.risk.requiresConfirmation ? " (needs orchestrator confirmation)" : ""
            print("  \(pad(name, 16)) \(pad(tool.risk.rawValue, 8)) \(tool.capability)\(confirm)")
        }
    }

    private func list(_ capabilities: [Capability]) -> String {
        capabilities.isEmpty ? "(none)" : capabilities.map(\.description).joined(separator: ", ")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

/// The JSON shape of `policy show`.
struct PolicySummary: Encodable {
    struct Role: Encodable {
        let name: String
        let capabilities: [String]
        let ceilingAllow: [String]
        let ceilingExclude: [String]
        let agents: [String]
    }

    struct Tool: Encodable {
        let name: String
        let capability: String
        let risk: String
        let requiresConfirmation: Bool
        let arguments: [String: String]
    }

    let source: String
    let version: Int
    let protectedPaths: [String]
    let roles: [Role]
    let tools: [Tool]?

    init(policy: SecurityPolicy, roles: [RoleDefinition], includeTools: Bool) {
        source = policy.source
        version = policy.version
        protectedPaths = policy.protectedPaths
        self.roles = roles.map { role in
            Role(
                name: role.name.rawValue, capabilities: role.capabilities.map(\.description),
                ceilingAllow: role.ceiling.allowed.map(\.description),
                ceilingExclude: role.ceiling.excluded.map(\.description),
                agents: policy.agents.filter { $0.value.contains { $0.role == role.name } }.keys.map(\.rawValue)
                    .sorted())
        }
        tools =
            includeTools
            ? policy.tools.names.map { name in
                let tool = policy.tools.tools[name]!
                return Tool(
                    name: name, capability: tool.capability.description, risk: tool.risk.rawValue,
                    requiresConfirmation: tool.risk.requiresConfirmation,
                    arguments: Dictionary(
                        uniqueKeysWithValues: tool.arguments.map {
                            ($0.name, $0.kind.rawValue + ($0.required ? "" : "?"))
                        }))
            } : nil
    }
}
