import Testing

@testable import Capabilities

/// The hand-written golden cases of the shared authz benchmark (`gen_workload.py`), each pinning one rule of
/// `aios-cap-v1`, decided through the public API exactly as the daemon will.
@Suite("aios-cap-v1 golden cases")
struct GoldenCaseTests {
    static let t0: Int64 = 1_760_000_000

    static let roles: [String: [String]] = [
        "system": [
            "fs:read:*", "fs:write:/etc/*", "fs:write:/var/*", "fs:mkdir:*", "process:spawn:*", "process:list:*",
            "service:*", "config:*",
        ],
        "network": ["net:*", "firewall:*", "dns:*", "fs:read:/etc/network/*", "fs:write:/etc/network/*"],
        "security": ["sec:*", "audit:*", "crypto:*", "fs:read:*", "monitor:*"],
        "monitor": ["monitor:*", "metrics:*", "alert:*", "fs:read:/var/log/*", "process:list:*"],
        "package": ["pkg:*", "fs:read:/etc/apt/*", "fs:write:/etc/apt/*"],
        "task": [],
    ]

    static func authority() throws -> Authority {
        let definitions = try roles.map { name, capabilities in
            RoleDefinition(
                name: RoleName(name), capabilities: try capabilities.map { try Capability(parsing: $0) },
                ceiling: .uncheckedUnlimited)
        }
        var memberships: [AgentName: [RoleMembership]] = [
            "g-system": [RoleMembership(role: "system")], "g-network": [RoleMembership(role: "network")],
            "g-monitor": [RoleMembership(role: "monitor")], "g-package": [RoleMembership(role: "package")],
            "g-task": [RoleMembership(role: "task")],
        ]
        memberships["g-granular"] = [
            RoleMembership(role: "task"), RoleMembership(role: "monitor", expiresAt: .seconds(t0 + 1000)),
        ]
        var authority = try Authority(roles: definitions, agents: memberships)
        let grants: [(String, Int64?)] = [
            ("fs:write:/opt/app7/*", nil), ("fs:read:/opt/app7/etc/app.conf", nil), ("process:spawn:nginx", nil),
            ("net:listen:443", nil), ("net:connect:10.0.0.5:5432", nil), ("process:list", nil),
            ("service:restart:svc1", t0 + 100),
        ]
        for (text, expiry) in grants {
            let request = GrantRequest(
                agent: "g-granular", capability: try Capability(parsing: text),
                lifetime: expiry.map { .until(.seconds($0)) } ?? .permanent, reason: "golden", taskID: nil)
            guard case .granted = authority.grant(request, by: .orchestrator, at: .seconds(t0 - 1)) else {
                Issue.record("grant \(text) refused")
                continue
            }
        }
        return authority
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let agent: String
        let namespace: String
        let action: String
        let resource: String
        let offset: Int64
        let expected: Bool
        let why: String
        init(
            _ agent: String, _ ns: String, _ action: String, _ resource: String, _ offset: Int64, _ expected: Bool,
            _ why: String
        ) {
            self.agent = agent
            self.namespace = ns
            self.action = action
            self.resource = resource
            self.offset = offset
            self.expected = expected
            self.why = why
        }
        var testDescription: String { "\(agent) \(namespace):\(action):\(resource) → \(expected) (\(why))" }
    }

    static let cases: [Case] = [
        Case("g-system", "fs", "write", "/etc/nginx/nginx.conf", 0, true, "prefix, nested"),
        Case("g-system", "fs", "write", "/etc/../root/x", 0, false, "'..' escapes /etc -> /root/x"),
        Case("g-system", "fs", "read", "/etc/../root/x", 0, true, "fs:read:* matches anything"),
        Case("g-system", "fs", "write", "/etcfoo/x", 0, false, "sibling prefix is not below /etc"),
        Case("g-system", "fs", "write", "/etc", 0, false, "'/etc/*' does not match /etc itself"),
        Case("g-system", "fs", "write", "/etc/", 0, false, "trailing slash normalises to /etc"),
        Case("g-system", "fs", "write", "/etc//passwd", 0, true, "double slash collapses"),
        Case("g-system", "fs", "write", "/etc/./a/../b", 0, true, "-> /etc/b"),
        Case("g-system", "fs", "write", "/../etc/x", 0, true, "'..' at root stays at root"),
        Case("g-system", "fs", "write", "/etc/a/../../root", 0, false, "-> /root"),
        Case("g-system", "fs", "write", "/ETC/x", 0, false, "case-sensitive"),
        Case("g-system", "fs", "write", "etc/x", 0, false, "relative: opaque, no prefix match"),
        Case("g-system", "fs", "delete", "/etc/x", 0, false, "action must match exactly"),
        Case("g-system", "fs", "WRITE", "/etc/x", 0, false, "actions are case-sensitive"),
        Case("g-system", "service", "restart", "nginx", 0, true, "ns:* matches every action"),
        Case("g-system", "services", "restart", "nginx", 0, false, "namespace is not a prefix"),
        Case("g-system", "process", "spawn", "/usr/bin/anything", 0, true, "process:spawn:*"),
        Case("g-network", "net", "listen", "443", 0, true, "net:*"),
        Case("g-network", "network", "listen", "443", 0, false, "'net' != 'network'"),
        Case("g-network", "fs", "write", "/etc/network/interfaces", 0, true, "role path cap"),
        Case("g-network", "fs", "write", "/etc/networkd/x", 0, false, "sibling prefix"),
        Case("g-network", "fs", "write", "/etc/network/../passwd", 0, false, "-> /etc/passwd"),
        Case("g-network", "fs", "write", "/etc/network/./if.d/../x", 0, true, "-> /etc/network/x"),
        Case("g-monitor", "fs", "read", "/var/log/syslog", 0, true, ""),
        Case("g-monitor", "fs", "read", "/var/log/../lib/x", 0, false, "-> /var/lib/x"),
        Case("g-monitor", "fs", "read", "/var/logs/x", 0, false, "sibling prefix"),
        Case("g-monitor", "process", "list", "", 0, true, "'*' matches the empty resource"),
        Case("g-package", "pkg", "install", "nginx", 0, true, ""),
        Case("g-package", "fs", "write", "/etc/apt/sources.list.d/x.list", 0, true, ""),
        Case("g-package", "fs", "write", "/etc/apt", 0, false, "not below /etc/apt"),
        Case("g-task", "fs", "read", "/tmp/x", 0, false, "task role is empty"),
        Case("g-nobody", "fs", "read", "/tmp/x", 0, false, "unknown agent"),
        Case("g-granular", "fs", "write", "/opt/app7/data/db/x.sqlite", 0, true, ""),
        Case("g-granular", "fs", "write", "/opt/app7/../app8/x", 0, false, "escape to sibling app"),
        Case("g-granular", "fs", "write", "/opt/app70/x", 0, false, "sibling prefix app70"),
        Case("g-granular", "fs", "read", "/opt/app7/etc/app.conf", 0, true, "exact path"),
        Case("g-granular", "fs", "read", "/opt/app7/etc//app.conf", 0, true, "exact after normalise"),
        Case("g-granular", "fs", "read", "/opt/app7/etc/app.conf.bak", 0, false, "exact, not prefix"),
        Case("g-granular", "process", "spawn", "nginx", 0, true, ""),
        Case("g-granular", "process", "spawn", "nginx-worker", 0, false, "exact token"),
        Case("g-granular", "net", "listen", "4430", 0, false, "exact token"),
        Case("g-granular", "net", "connect", "10.0.0.5:5432", 0, true, "resource contains ':'"),
        Case("g-granular", "net", "connect", "10.0.0.5:54321", 0, false, ""),
        Case("g-granular", "net", "connect", "10.0.0.5", 0, false, ""),
        Case("g-granular", "process", "list", "anything", 0, true, "no resource part"),
        Case("g-granular", "process", "list", "", 0, true, "no resource part, empty resource"),
        Case("g-granular", "service", "restart", "svc1", 99, true, "now < expires_at"),
        Case("g-granular", "service", "restart", "svc1", 100, false, "now == expires_at: expired"),
        Case("g-granular", "metrics", "read", "cpu", 999, true, "temporary role still live"),
        Case("g-granular", "metrics", "read", "cpu", 1000, false, "temporary role expired"),
        Case("g-granular", "fs", "read", "/var/log/x", 5000, false, "temporary role expired"),
        Case("g-granular", "fs", "write", "/opt/app7/x*", 0, true, "'*' in a request is literal"),
    ]

    @Test("each golden case decides as written", arguments: cases)
    func golden(_ example: Case) throws {
        let set = try Self.authority().capabilitySet()
        let now = Timestamp.seconds(Self.t0 + example.offset)
        let request = try AccessRequest(
            namespace: example.namespace, action: example.action, resource: example.resource)
        #expect(set.check(request, for: AgentName(example.agent), at: now).isAllowed == example.expected)
        let direct = try set.check(
            agent: AgentName(example.agent), namespace: example.namespace, action: example.action,
            resource: example.resource, at: now)
        #expect(direct.isAllowed == example.expected)
    }

    @Test("the decision names what decided: the role, or the grant with its expiry")
    func decisionsExplainThemselves() throws {
        let set = try Self.authority().capabilitySet()
        let now = Timestamp.seconds(Self.t0)
        let byRole = try set.check(agent: "g-system", namespace: "fs", action: "write", resource: "/etc/x", at: now)
        guard case .allowed(let allowance) = byRole else { Issue.record("expected allow, got \(byRole)"); return }
        #expect(allowance.capability.description == "fs:write:/etc/*")
        #expect(allowance.source == .role("system", membershipExpiresAt: nil))

        let byGrant = try set.check(
            agent: "g-granular", namespace: "service", action: "restart", resource: "svc1", at: now)
        guard case .allowed(let grant) = byGrant else { Issue.record("expected allow, got \(byGrant)"); return }
        guard case .grant(_, let expiry, _) = grant.source else { Issue.record("expected a grant"); return }
        #expect(expiry == .seconds(Self.t0 + 100))

        let unknown = try set.check(agent: "g-nobody", namespace: "fs", action: "read", resource: "/x", at: now)
        #expect(unknown == .denied(.unknownAgent))
        let none = try set.check(agent: "g-task", namespace: "fs", action: "read", resource: "/x", at: now)
        #expect(none == .denied(.noMatchingCapability))
    }
}
