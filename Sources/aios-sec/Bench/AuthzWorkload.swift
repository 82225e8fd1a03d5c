import Capabilities
import Foundation

/// A workload in the schema `aios-authz-workload/1` (see the shared authz benchmark README), loaded into an
/// ``Authority`` through its public API, as a running aiOS would load roles, memberships and grants.
struct AuthzWorkload {
    struct Request {
        let agent: AgentName
        let namespace: String
        let action: String
        let resource: String
        let now: Timestamp
        let expected: Bool
    }

    let authority: Authority
    let requests: [Request]

    enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case unsupported(String)
        case malformed(String)

        var description: String {
            switch self {
            case .unreadable(let why): "cannot read workload: \(why)"
            case .unsupported(let what): "unsupported workload: \(what)"
            case .malformed(let what): "malformed workload: \(what)"
            }
        }
    }

    init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.unreadable(path) }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LoadError.malformed("not a JSON object")
        }
        guard root["schema"] as? String == "aios-authz-workload/1" else {
            throw LoadError.unsupported("schema must be aios-authz-workload/1")
        }
        guard root["semantics"] as? String == "aios-cap-v1" else {
            throw LoadError.unsupported("semantics must be aios-cap-v1")
        }
        guard let roles = root["roles"] as? [String: [String]], let agents = root["agents"] as? [String: Any],
            let requests = root["requests"] as? [[Any]], let t0 = root["t0"] as? Int
        else { throw LoadError.malformed("missing roles, agents, requests or t0") }
        authority = try Self.buildAuthority(roles: roles, agents: agents, issuedAt: .seconds(Int64(t0) - 1))
        self.requests = try requests.enumerated().map { index, row in
            guard row.count >= 6, let agent = row[0] as? String, let namespace = row[1] as? String,
                let action = row[2] as? String, let resource = row[3] as? String, let now = row[4] as? Int,
                let expected = row[5] as? Bool
            else { throw LoadError.malformed("request #\(index)") }
            return Request(
                agent: AgentName(agent), namespace: namespace, action: action, resource: resource,
                now: .seconds(Int64(now)), expected: expected)
        }
    }

    private static func buildAuthority(
        roles: [String: [String]], agents: [String: Any], issuedAt: Timestamp
    ) throws -> Authority {
        let definitions = try roles.map { name, capabilities in
            RoleDefinition(
                name: RoleName(name), capabilities: try capabilities.map { try Capability(parsing: $0) },
                ceiling: .uncheckedUnlimited)
        }
        var memberships: [AgentName: [RoleMembership]] = [:]
        var grants: [GrantRequest] = []
        for (name, value) in agents {
            guard let agent = value as? [String: Any] else { throw LoadError.malformed("agent \(name)") }
            let agentName = AgentName(name)
            memberships[agentName] = try (agent["roles"] as? [[String: Any]] ?? []).map { membership in
                guard let role = membership["role"] as? String else { throw LoadError.malformed("role of \(name)") }
                return RoleMembership(role: RoleName(role), expiresAt: expiry(membership))
            }
            for cap in agent["caps"] as? [[String: Any]] ?? [] {
                guard let text = cap["cap"] as? String else { throw LoadError.malformed("cap of \(name)") }
                let lifetime: GrantRequest.Lifetime = expiry(cap).map { .until($0) } ?? .permanent
                grants.append(
                    GrantRequest(
                        agent: agentName, capability: try Capability(parsing: text), lifetime: lifetime,
                        reason: "workload", taskID: nil))
            }
        }
        var authority = try Authority(roles: definitions, agents: memberships)
        for request in grants {
            if case .refused(let refusal) = authority.grant(request, by: .orchestrator, at: issuedAt) {
                throw LoadError.malformed("grant refused: \(refusal)")
            }
        }
        return authority
    }

    private static func expiry(_ object: [String: Any]) -> Timestamp? {
        (object["expires_at"] as? Int).map { .seconds(Int64($0)) }
    }
}
