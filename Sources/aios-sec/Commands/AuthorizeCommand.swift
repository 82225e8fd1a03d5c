import ArgumentParser
import Capabilities
import Policy

struct AuthorizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Decide whether an agent may do something, and say what decided.",
        discussion: """
            Decides offline from the policy (role capabilities; grants live in the daemon). Either name the request
            directly, written like a capability (--capability fs:write:/etc/nginx/nginx.conf; '*' is a literal
            character there), or name a tool and its arguments (--tool fs.write --arg path=/etc/x --arg content=hi).
            Exit 0 allowed, 1 denied, 64 usage error, 65 bad input.
            """
    )

    @Option(help: "The agent asking.")
    var agent: String

    @Option(help: "The request as namespace:action[:resource].")
    var capability: String?

    @Option(help: "A tool from the catalogue (see `aios-sec policy show`).")
    var tool: String?

    @Option(name: .customLong("arg"), help: "A tool argument as KEY=VALUE (repeatable).")
    var arguments: [String] = []

    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        switch (capability, tool) {
        case (nil, nil): throw ValidationError("name what to authorize: --capability CAP or --tool TOOL")
        case (.some, .some): throw ValidationError("use either --capability or --tool, not both")
        case (.some, nil) where !arguments.isEmpty: throw ValidationError("--arg goes with --tool")
        default: break
        }
        for argument in arguments where !argument.contains("=") {
            throw ValidationError("--arg '\(argument)' must be KEY=VALUE")
        }
    }

    func run() throws {
        let policy = try policyOptions.load()
        let (request, risk) = try resolveRequest(policy)
        let agentName = AgentName(agent)
        let decision = policy.authority().capabilitySet().check(request, for: agentName, at: SystemClock().now())
        let report = AuthorizationReport(agent: agentName, tool: tool, request: request, risk: risk, decision: decision)
        if output.json {
            try printJSON(report)
        } else {
            print(report.text)
        }
        if !decision.isAllowed { throw ExitStatus.denied }
    }

    private func resolveRequest(_ policy: SecurityPolicy) throws -> (AccessRequest, RiskLevel?) {
        if let capability {
            let parts = capability.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2 else {
                printError("--capability '\(capability)': expected namespace:action[:resource]")
                throw ExitStatus.dataError
            }
            do {
                let request = try AccessRequest(
                    namespace: String(parts[0]), action: String(parts[1]),
                    resource: parts.count == 3 ? String(parts[2]) : "")
                return (request, nil)
            } catch {
                printError("--capability: \(error)")
                throw ExitStatus.dataError
            }
        }
        var values: [String: String] = [:]
        for argument in arguments {
            let (key, value) = argument.split(separator: "=", maxSplits: 1).map(String.init).pair
            if values.updateValue(value, forKey: key) != nil {
                printError("--arg \(key) is given twice")
                throw ExitStatus.dataError
            }
        }
        switch policy.tools.access(tool: tool!, arguments: values) {
        case .success(let access): return (access.request, access.risk)
        case .failure(let error):
            printError(error.description)
            throw ExitStatus.dataError
        }
    }
}

extension Array where Element == String {
    /// The first two elements; the second is empty when missing.
    fileprivate var pair: (String, String) { (self.first ?? "", count > 1 ? self[1] : "") }
}

/// The printed result of `authorize`.
struct AuthorizationReport: Encodable {
    struct Request: Encodable {
        let namespace: String
        let action: String
        let resource: String
        let normalizedResource: String
    }

    let agent: String
    let tool: String?
    let request: Request
    let decision: String
    let capability: String?
    let source: String?
    let grantId: String?
    let expiresAt: String?
    let taskId: String?
    let reason: String?
    let risk: String?
    let requiresConfirmation: Bool?

    init(agent: AgentName, tool: String?, request: AccessRequest, risk: RiskLevel?, decision: Decision) {
        self.agent = agent.rawValue
        self.tool = tool
        self.request = Request(
            namespace: request.namespace, action: request.action, resource: request.resource,
            normalizedResource: request.normalizedResource)
        self.risk = risk?.rawValue
        self.requiresConfirmation = risk?.requiresConfirmation
        var basis: DecisionBasis? = nil
        switch decision {
        case .allowed(let allowance):
            self.decision = "allow"
            basis = allowance.basis
            reason = nil
        case .denied(let denial):
            self.decision = "deny"
            reason = denial.description
            switch denial {
            case .expired(let stale), .revoked(let stale, _): basis = stale
            case .unknownAgent, .noMatchingCapability: break
            }
        }
        capability = basis?.capability.description
        source = basis?.source.description
        switch basis?.source {
        case .grant(let id, let expiry, let task)?:
            grantId = id.rawValue
            expiresAt = expiry?.rfc3339
            taskId = task?.rawValue
        case .role(_, let expiry)?:
            grantId = nil
            expiresAt = expiry?.rfc3339
            taskId = nil
        case nil:
            grantId = nil
            expiresAt = nil
            taskId = nil
        }
    }

    var text: String {
        let what = "\(agent) → \(request.namespace):\(request.action):\(request.normalizedResource)"
        let confirm = requiresConfirmation == true ? " (risk \(risk!): needs orchestrator confirmation)" : ""
        if decision == "allow" { return "allowed: \(what) by '\(capability!)' from \(source!)\(confirm)" }
        return "denied: \(what): \(reason!)"
    }
}
