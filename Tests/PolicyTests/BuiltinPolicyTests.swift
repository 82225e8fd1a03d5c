import Capabilities
import Foundation
import Testing

@testable import Policy

/// The repository root, found from this file's path (tests read the committed examples).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite("The built-in policy is the spec's")
struct BuiltinPolicyTests {
    static let specRoles: [String: [String]] = [
        "aios-agent-system": [
            "fs:read:*", "fs:write:/etc/*", "fs:write:/var/*", "fs:mkdir:*", "process:spawn:*", "process:list:*",
            "service:*", "config:*",
        ],
        "aios-agent-network": ["net:*", "firewall:*", "dns:*", "fs:read:/etc/network/*", "fs:write:/etc/network/*"],
        "aios-agent-security": ["sec:*", "audit:*", "crypto:*", "fs:read:*", "monitor:*"],
        "aios-agent-monitor": ["monitor:*", "metrics:*", "alert:*", "fs:read:/var/log/*", "process:list:*"],
        "aios-agent-package": ["pkg:*", "fs:read:/etc/apt/*", "fs:write:/etc/apt/*"],
        "aios-agent-task": [],
    ]

    @Test("six roles with the spec's exact names and capabilities, each with an agent of its name")
    func rolesMatchTheSpec() {
        let policy = SecurityPolicy.builtin()
        let roles = Dictionary(
            uniqueKeysWithValues: policy.roles.map { ($0.name.rawValue, $0.capabilities.map(\.description)) })
        #expect(roles == Self.specRoles)
        for name in Self.specRoles.keys {
            #expect(policy.agents[AgentName(name)] == [RoleMembership(role: RoleName(name))])
        }
    }

    @Test("the spec's 'Agent Default Capabilities' block, copied verbatim, is a valid policy equal to the built-in")
    func specBlockIsAPolicy() throws {
        let file = repositoryRoot.appendingPathComponent("examples/spec-agent-defaults.yaml").path
        let policy = try SecurityPolicy.load(file: file)
        #expect(policy.roles == SecurityPolicy.builtin().roles)
        #expect(policy.tools == SecurityPolicy.builtin().tools)
    }

    @Test(
        "the task role's ceiling: fs, process, net connect/listen, pkg install, service — never sec, audit, crypto, secret, firewall or the product's own state"
    )
    func taskCeiling() throws {
        let ceiling = try #require(SecurityPolicy.builtin().role(named: "aios-agent-task")).ceiling
        for allowed in [
            "fs:write:/opt/myapp/*", "process:spawn:nginx", "net:connect:10.0.0.1:443", "net:listen:8080",
            "pkg:install:nginx", "service:restart:nginx", "fs:read:/etc/hosts",
        ] {
            #expect(ceiling.admits(try Capability(parsing: allowed)) != .outside(.notCovered), "\(allowed)")
            guard case .within = ceiling.admits(try Capability(parsing: allowed)) else {
                Issue.record("\(allowed) should be within the task ceiling")
                continue
            }
        }
        for refused in [
            "sec:scan:*", "audit:query", "crypto:sign:x", "secret:read:api", "firewall:allow:80", "net:bind:80",
            "pkg:remove:x", "fs:write:/var/lib/aios/audit/x", "fs:write:/etc/aios/policy.yaml",
            "fs:delete:/etc/aios", "fs:read:/var/lib/aios/pki/ca.key", "fs:write:/*",
        ] {
            guard case .outside = ceiling.admits(try Capability(parsing: refused)) else {
                Issue.record("\(refused) must be outside the task ceiling")
                continue
            }
        }
    }

    @Test("every other role's ceiling is its own capabilities, minus the protected paths")
    func otherCeilings() throws {
        let system = try #require(SecurityPolicy.builtin().role(named: "aios-agent-system"))
        #expect(system.ceiling.allowed == system.capabilities)
        guard case .within = system.ceiling.admits(try Capability(parsing: "fs:write:/etc/nginx/*")) else {
            Issue.record("within the system role's own set")
            return
        }
        guard case .outside(.excluded) = system.ceiling.admits(try Capability(parsing: "fs:write:/var/lib/aios/x"))
        else {
            Issue.record("grants never reach protected paths")
            return
        }
    }

    @Test("the policy warns where a role itself reaches a protected path")
    func warnings() {
        let warnings = SecurityPolicy.builtin().warnings.map(\.message)
        #expect(
            warnings.contains {
                $0.contains("'aios-agent-system'") && $0.contains("/var/lib/aios") && $0.contains("fs:write:/var/*")
            })
        // Reading is warned about too: `fs:read:*` would cover the daemon's keys if protection did not hold it.
        #expect(warnings.contains { $0.contains("'aios-agent-security'") && $0.contains("fs:read:*") })
    }
}
