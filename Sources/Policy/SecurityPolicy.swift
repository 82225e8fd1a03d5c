import Capabilities
import Foundation

/// A loaded, validated policy: roles with capabilities and grant ceilings, agents and their roles, the tool
/// catalogue and the product's protected paths. A value that exists is complete: loading either yields all of
/// it or a ``PolicyError`` naming every problem, never a part.
public struct SecurityPolicy: Sendable {
    /// Where the policy came from: a file path, or ``BuiltinPolicy/fileName``.
    public let source: String
    public let version: Int
    /// Roles in the order the file defines them.
    public let roles: [RoleDefinition]
    /// Every agent and its roles. Each role has an agent of the same name; `agents:` adds more.
    public let agents: [AgentName: [RoleMembership]]
    public let tools: ToolCatalogue
    /// No grant ever reaches these paths or anything below them.
    public let protectedPaths: [String]
    /// Rotation rules, by secret name (secrets without one are rotated only by hand).
    public let secrets: [SecretPolicy]
    /// The uid/gid each agent's processes run as.
    public let accounts: [AgentName: AgentAccount]
    /// Each agent's call budget at the Gate.
    public let rateLimit: RateLimit
    /// How agent processes are confined and watched.
    public let sandbox: SandboxPolicy
    /// The host firewall (the spec's defaults when the file has no `firewall:`).
    public let firewall: FirewallPolicy
    /// Network intrusion detection thresholds (defaults: `IDSPolicy.defaults` over the firewall's management
    /// subnets and ports when the file has no `ids:`).
    public let ids: IDSPolicy
    /// Emergency access: operators, resume quorum, freeze timeout, SSH console port.
    public let emergency: EmergencyPolicy
    /// The AI analysis loop: interval, local model and its signers, escalation, allowed responses.
    public let analysis: AnalysisPolicy
    /// Package installs: repositories, keys, pins, and what in a provenance report refuses or needs confirmation.
    public let packages: PackagePolicy
    /// The agents' egress proxy: bounds, open connections on revoke, the large-upload alert.
    public let egress: EgressPolicy
    /// Legal but worth a look (for example a role that can write the product's own state).
    public let warnings: [PolicyIssue]

    /// The largest policy file accepted.
    public static let maximumFileSize = 1 << 20

    public func role(named name: RoleName) -> RoleDefinition? { roles.first { $0.name == name } }

    public func secret(named name: String) -> SecretPolicy? { secrets.first { $0.name == name } }

    /// The cgroup limits of an agent: its first role with limits of its own in `sandbox.roles`, else the defaults.
    public func limits(of agent: AgentName) -> ResourceLimits {
        sandbox.limits(for: (agents[agent] ?? []).map(\.role))
    }

    /// The authority this policy starts from: role memberships, no grants yet.
    public func authority() -> Authority {
        do {
            return try Authority(roles: roles, agents: agents)
        } catch {
            // The loader checks roles are unique and every membership names a role.
            preconditionFailure("a loaded policy is consistent: \(error)")
        }
    }

    /// The built-in policy (the spec's defaults).
    public static func builtin() -> SecurityPolicy { builtinPolicy }

    /// Loads a policy file. A file shaped like the spec's "Agent Default Capabilities" block is valid; the tool
    /// catalogue and protected paths default to the built-in ones, and `tools:` entries replace or add tools.
    public static func load(file path: String) throws(PolicyError) -> SecurityPolicy {
        try parse(yaml: try readFile(path), file: path)
    }

    /// A policy file's text, as ``load(file:)`` reads it (size and encoding checked): a caller that must hash
    /// exactly what it loads reads once and parses that text.
    public static func readFile(_ path: String) throws(PolicyError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PolicyError(issues: [
                PolicyIssue(file: path, line: 1, column: 1, message: "cannot open the file (missing or not readable)")
            ])
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            throw PolicyError(issues: [PolicyIssue(file: path, line: 1, column: 1, message: "cannot read the file")])
        }
        guard data.count <= maximumFileSize else {
            throw PolicyError(issues: [
                PolicyIssue(file: path, line: 1, column: 1, message: "larger than \(maximumFileSize) bytes")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyError(issues: [PolicyIssue(file: path, line: 1, column: 1, message: "not valid UTF-8")])
        }
        return text
    }

    /// Parses policy YAML; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(PolicyError) -> SecurityPolicy {
        var loader = PolicyLoader(file: file, base: builtinPolicy)
        return try loader.load(yaml)
    }

    init(
        source: String, version: Int, roles: [RoleDefinition], agents: [AgentName: [RoleMembership]],
        tools: ToolCatalogue, protectedPaths: [String], secrets: [SecretPolicy], rateLimit: RateLimit,
        sandbox: SandboxPolicy, firewall: FirewallPolicy, ids: IDSPolicy, emergency: EmergencyPolicy,
        analysis: AnalysisPolicy, packages: PackagePolicy = .default, egress: EgressPolicy = .default,
        accounts: [AgentName: AgentAccount],
        warnings: [PolicyIssue]
    ) {
        self.packages = packages
        self.egress = egress
        self.sandbox = sandbox
        self.firewall = firewall
        self.ids = ids
        self.emergency = emergency
        self.analysis = analysis
        self.rateLimit = rateLimit
        self.secrets = secrets
        self.accounts = accounts
        self.source = source
        self.version = version
        self.roles = roles
        self.agents = agents
        self.tools = tools
        self.protectedPaths = protectedPaths
        self.warnings = warnings
    }
}

private let builtinPolicy: SecurityPolicy = {
    do {
        var loader = PolicyLoader(file: BuiltinPolicy.fileName, base: nil)
        return try loader.load(BuiltinPolicy.yaml)
    } catch {
        preconditionFailure("the built-in policy is valid: \(error)")
    }
}()
