import Capabilities
import Yams

/// Reads policy YAML into a ``SecurityPolicy``. Top-level keys are roles, except the reserved `policy`,
/// `tools`, `agents`, `secrets`, `sandbox`, `firewall`, `ids`, `emergency`, `analysis`, `packages` and `egress`. Every
/// problem is
/// collected and located; if there is any, nothing is returned.
struct PolicyLoader {
    static let reservedKeys = [
        "policy", "tools", "agents", "secrets", "sandbox", "firewall", "ids", "emergency", "analysis", "packages",
        "egress",
    ]
    static let taskRole = RoleName("aios-agent-task")

    let file: String
    /// The built-in policy a file inherits its catalogue, protected paths and task ceiling from; nil while
    /// loading the built-in policy itself.
    let base: SecurityPolicy?
    var reader: YAMLReader

    init(file: String, base: SecurityPolicy?) {
        self.file = file
        self.base = base
        self.reader = YAMLReader(file: file)
    }

    /// A role as read, before ceilings get their defaults.
    struct RawRole {
        let name: RoleName
        let node: Node
        let capabilities: [Capability]
        let ceiling: GrantCeiling?
    }

    mutating func load(_ yaml: String) throws(PolicyError) -> SecurityPolicy {
        if let (line, column) = AliasScanner.firstAnchorOrAlias(in: yaml) {
            throw PolicyError(issues: [
                PolicyIssue(
                    file: file, line: line, column: column,
                    message: "anchors and aliases are not allowed in policy files")
            ])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw PolicyError(issues: [YAMLReader.issue(from: error, file: file, yaml: yaml)])
        }
        guard let root else {
            throw PolicyError(issues: [PolicyIssue(file: file, line: 1, column: 1, message: "empty policy")])
        }
        guard let pairs = reader.mapping(root, "a policy") else { throw PolicyError(issues: reader.sortedIssues) }
        var settings = PolicySettings(version: 1, protectedPaths: base?.protectedPaths ?? [])
        var tools: [ToolDefinition] = []
        var agentNodes: Node? = nil
        var sandboxNode: Node? = nil
        var firewallNode: Node? = nil
        var idsNode: Node? = nil
        var analysisNode: Node? = nil
        var packagesNode: Node? = nil
        var egressNode: Node? = nil
        var emergency = base?.emergency ?? .default
        var secrets: [SecretPolicy] = []
        var roles: [RawRole] = []
        for pair in pairs {
            switch pair.key {
            case "policy": settings = readSettings(pair.value, defaults: settings)
            case "tools": tools = readTools(pair.value)
            case "agents": agentNodes = pair.value
            case "secrets": secrets = readSecrets(pair.value)
            case "sandbox": sandboxNode = pair.value
            case "firewall": firewallNode = pair.value
            case "ids": idsNode = pair.value
            case "emergency": emergency = readEmergency(pair.value)
            case "analysis": analysisNode = pair.value
            case "packages": packagesNode = pair.value
            case "egress": egressNode = pair.value
            default:
                if let role = readRole(pair.key, keyNode: pair.keyNode, value: pair.value) { roles.append(role) }
            }
        }
        if pairs.allSatisfy({ Self.reservedKeys.contains($0.key) }) {
            reader.report(root, "the policy defines no roles")
        }
        let roleNames = Set(roles.map(\.name))
        let (agents, uids) = readAgents(agentNodes, roles: roles.map(\.name), known: roleNames)
        let definitions = roles.map { definition(for: $0, protectedPaths: settings.protectedPaths) }
        let sandbox = sandboxNode.map { readSandbox($0, roles: roleNames) } ?? base?.sandbox ?? .default
        let firewall = firewallNode.map { readFirewall($0) } ?? base?.firewall ?? .default
        let ids = readIDS(idsNode, firewall: firewall)
        let analysis = readAnalysis(analysisNode, agents: Set(agents.keys))
        let packages = packagesNode.map { readPackages($0) } ?? base?.packages ?? .default
        let egress = egressNode.map { readEgress($0) } ?? base?.egress ?? .default
        guard reader.issues.isEmpty else { throw PolicyError(issues: reader.sortedIssues) }
        let catalogue = (base?.tools ?? ToolCatalogue([])).merging(tools)
        return SecurityPolicy(
            source: file, version: settings.version, roles: definitions, agents: agents, tools: catalogue,
            protectedPaths: settings.protectedPaths, secrets: secrets, rateLimit: settings.rateLimit, sandbox: sandbox,
            firewall: firewall, ids: ids, emergency: emergency, analysis: analysis, packages: packages,
            egress: egress, accounts: Self.accounts(for: agents.keys, explicit: uids, base: settings.agentUIDBase),
            warnings: protectedPathWarnings(roles: roles, protectedPaths: settings.protectedPaths))
    }

    // MARK: Roles

    private mutating func readRole(_ name: String, keyNode: Node, value: Node) -> RawRole? {
        guard isValidName(name) else {
            reader.report(keyNode, "'\(name)' is not a valid role name (letters, digits, . _ -)")
            return nil
        }
        guard let pairs = reader.mapping(value, "role '\(name)'") else { return nil }
        reader.rejectUnknownKeys(
            pairs, allowed: ["capabilities", "grant_ceiling", "description"], in: "role '\(name)'")
        guard let capabilitiesNode = pairs.first(where: { $0.key == "capabilities" })?.value else {
            reader.report(value, "role '\(name)' needs a 'capabilities' list (it may be empty: [])")
            return nil
        }
        let capabilities = readCapabilities(capabilitiesNode, "capabilities of role '\(name)'")
        var ceiling: GrantCeiling? = nil
        if let ceilingNode = pairs.first(where: { $0.key == "grant_ceiling" })?.value {
            ceiling = readCeiling(ceilingNode, role: name)
        }
        return RawRole(name: RoleName(name), node: keyNode, capabilities: capabilities, ceiling: ceiling)
    }

    private mutating func readCeiling(_ node: Node, role: String) -> GrantCeiling? {
        guard let pairs = reader.mapping(node, "grant_ceiling of role '\(role)'") else { return nil }
        reader.rejectUnknownKeys(pairs, allowed: ["allow", "exclude"], in: "grant_ceiling of role '\(role)'")
        let allow = pairs.first { $0.key == "allow" }.map { readCapabilities($0.value, "grant_ceiling.allow") } ?? []
        let exclude = pairs.first { $0.key == "exclude" }.map { readCapabilities($0.value, "grant_ceiling.exclude") }
        return GrantCeiling(allowed: allow, excluded: exclude ?? [])
    }

    mutating func readCapabilities(_ node: Node, _ what: String) -> [Capability] {
        guard let items = reader.sequence(node, what) else { return [] }
        var seen: Set<Capability> = []
        var capabilities: [Capability] = []
        for item in items {
            guard let text = reader.scalar(item, "a capability") else { continue }
            do {
                let capability = try Capability(parsing: text)
                if !seen.insert(capability).inserted {
                    reader.report(item, "capability '\(capability)' is listed twice in \(what)")
                }
                capabilities.append(capability)
            } catch {
                reader.report(
                    item, "\(error.reason) in capability '\(text)'",
                    columnOffset: error.column - 1 + YAMLReader.contentOffset(item))
            }
        }
        return capabilities
    }

    /// Fills in the default ceiling (the built-in task ceiling for the task role, the role's own capabilities
    /// otherwise) and excludes the protected paths from every ceiling.
    private func definition(for role: RawRole, protectedPaths: [String]) -> RoleDefinition {
        var ceiling = role.ceiling ?? GrantCeiling(allowed: role.capabilities)
        if role.ceiling == nil, role.name == Self.taskRole, let inherited = base?.role(named: Self.taskRole) {
            ceiling = GrantCeiling(allowed: inherited.ceiling.allowed, excluded: inherited.ceiling.excluded)
        }
        let protected = protectedPaths.flatMap(Self.exclusions(protecting:))
        let excluded = ceiling.excluded + protected.filter { !ceiling.excluded.contains($0) }
        return RoleDefinition(
            name: role.name, capabilities: role.capabilities,
            ceiling: GrantCeiling(allowed: ceiling.allowed, excluded: excluded))
    }

    /// `fs:*:P` and `fs:*:P/*`: no access of any kind at or below a protected path.
    static func exclusions(protecting path: String) -> [Capability] {
        let below = path == "/" ? "/*" : path + "/*"
        return ["fs:*:" + path, "fs:*:" + below].compactMap { try? Capability(parsing: $0) }
    }

    private func protectedPathWarnings(roles: [RawRole], protectedPaths: [String]) -> [PolicyIssue] {
        var warnings: [PolicyIssue] = []
        for role in roles {
            for capability in role.capabilities {
                for path in protectedPaths
                where Self.exclusions(protecting: path).contains(where: { $0.overlaps(capability) }) {
                    let mark = role.node.mark
                    warnings.append(
                        PolicyIssue(
                            file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                            message: "warning: role '\(role.name)' reaches the protected path \(path) through "
                                + "'\(capability)' (the daemon refuses it: protected paths are out of every "
                                + "capability's reach, and grants never reach them)"))
                }
            }
        }
        return warnings
    }

    // MARK: Settings, agents

    struct PolicySettings {
        var version: Int
        var protectedPaths: [String]
        var agentUIDBase: UInt32 = PolicyLoader.defaultAgentUIDBase
        var rateLimit = RateLimit.default
    }

    /// Agents without an explicit `uid` run as base + their position among those agents, sorted by name,
    /// skipping uids given explicitly.
    static let defaultAgentUIDBase: UInt32 = 61_000

    static func accounts(
        for agents: Dictionary<AgentName, [RoleMembership]>.Keys, explicit: [AgentName: UInt32], base: UInt32
    ) -> [AgentName: AgentAccount] {
        var result = explicit.mapValues { AgentAccount(uid: $0, gid: $0) }
        let taken = Set(explicit.values)
        var next = base
        for agent in agents.sorted(by: { $0.rawValue < $1.rawValue }) where explicit[agent] == nil {
            while taken.contains(next) { next += 1 }
            result[agent] = AgentAccount(uid: next, gid: next)
            next += 1
        }
        return result
    }

    private mutating func readSettings(_ node: Node, defaults: PolicySettings) -> PolicySettings {
        var settings = defaults
        guard let pairs = reader.mapping(node, "'policy'") else { return settings }
        reader.rejectUnknownKeys(
            pairs, allowed: ["version", "protected_paths", "description", "agent_uid_base", "rate_limit"],
            in: "'policy'")
        for pair in pairs {
            switch pair.key {
            case "version":
                if reader.scalar(pair.value, "version") != "1" {
                    reader.report(pair.value, "unsupported policy version (this build reads version 1)")
                }
            case "protected_paths":
                var paths: [String] = []
                for item in reader.sequence(pair.value, "protected_paths") ?? [] {
                    guard let path = reader.scalar(item, "a protected path") else { continue }
                    let isNormal = path.hasPrefix("/") && PathNormalizer.normalize(path) == path
                    if !isNormal || path.utf8.contains(0) {
                        reader.report(item, "a protected path must be absolute and normalised: '\(path)'")
                    } else {
                        paths.append(path)
                    }
                }
                settings.protectedPaths = paths
            case "agent_uid_base":
                if let uid = readUID(pair.value) { settings.agentUIDBase = uid }
            case "rate_limit":
                if let limit = readRateLimit(pair.value) { settings.rateLimit = limit }
            default:
                break
            }
        }
        return settings
    }

    private mutating func readAgents(
        _ node: Node?, roles: [RoleName], known: Set<RoleName>
    ) -> (agents: [AgentName: [RoleMembership]], uids: [AgentName: UInt32]) {
        var agents: [AgentName: [RoleMembership]] = [:]
        var uids: [AgentName: UInt32] = [:]
        for role in roles { agents[AgentName(role.rawValue)] = [RoleMembership(role: role)] }
        guard let node, let pairs = reader.mapping(node, "'agents'") else { return (agents, uids) }
        for pair in pairs {
            guard isValidName(pair.key) else {
                reader.report(pair.keyNode, "'\(pair.key)' is not a valid agent name (letters, digits, . _ -)")
                continue
            }
            guard let fields = reader.mapping(pair.value, "agent '\(pair.key)'") else { continue }
            reader.rejectUnknownKeys(fields, allowed: ["roles", "uid"], in: "agent '\(pair.key)'")
            if let uidNode = fields.first(where: { $0.key == "uid" })?.value, let uid = readUID(uidNode) {
                if let other = uids.first(where: { $0.value == uid }) {
                    reader.report(uidNode, "uid \(uid) is already the uid of agent '\(other.key)'")
                } else {
                    uids[AgentName(pair.key)] = uid
                }
            }
            guard let rolesNode = fields.first(where: { $0.key == "roles" })?.value else {
                reader.report(pair.value, "agent '\(pair.key)' needs a 'roles' list")
                continue
            }
            var memberships: [RoleMembership] = []
            for item in reader.sequence(rolesNode, "roles of agent '\(pair.key)'") ?? [] {
                guard let name = reader.scalar(item, "a role name") else { continue }
                if known.contains(RoleName(name)) {
                    memberships.append(RoleMembership(role: RoleName(name)))
                } else {
                    reader.report(item, "unknown role '\(name)'")
                }
            }
            agents[AgentName(pair.key)] = memberships
        }
        return (agents, uids)
    }

    /// `rate_limit: {per_second: N, burst: M}`: a positive rate (fractions allowed), a burst of at least one call.
    private mutating func readRateLimit(_ node: Node) -> RateLimit? {
        guard let pairs = reader.mapping(node, "rate_limit") else { return nil }
        reader.rejectUnknownKeys(pairs, allowed: ["per_second", "burst"], in: "rate_limit")
        var perSecond = RateLimit.default.perSecond
        var burst: Double? = nil
        for pair in pairs {
            let lowest = pair.key == "burst" ? 1 : 0.001
            guard let text = reader.scalar(pair.value, pair.key), let value = Double(text), value >= lowest,
                value <= 1e9
            else {
                reader.report(pair.value, "rate_limit.\(pair.key) must be a number from \(lowest) to 1000000000")
                return nil
            }
            if pair.key == "per_second" { perSecond = value } else { burst = value }
        }
        return RateLimit(perSecond: perSecond, burst: burst ?? max(1, perSecond * 2))
    }

    /// An unprivileged uid: 1000 to 2^31 − 1 (not root, not a system account, no overflow in base + n).
    private mutating func readUID(_ node: Node) -> UInt32? {
        guard let text = reader.scalar(node, "a uid"), let uid = UInt32(text), (1000...0x7FFF_FFFF).contains(uid)
        else {
            reader.report(node, "a uid must be a number from 1000 to 2147483647")
            return nil
        }
        return uid
    }

    func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
