import Capabilities
import Testing

@testable import Policy

@Suite("Policy: secret rotation rules and agent accounts")
struct SecretPolicyTests {
    @Test("a secrets section gives each secret its schedule, source, grace and copy expiry")
    func secrets() throws {
        let policy = try SecurityPolicy.parse(
            yaml: """
                r:
                  capabilities: [secret:read:api-key]
                secrets:
                  api-key:
                    rotate_every: 30d
                    source: {command: [/usr/local/sbin/new-key, --kind, api]}
                    grace: 10m
                    agent_copy_ttl: 24h
                  session-token:
                    rotate_every: 1h
                    source: {random_bytes: 32}
                """, file: "p.yaml")
        let key = try #require(policy.secret(named: "api-key"))
        #expect(key.rotateEvery == .seconds(30 * 86_400))
        #expect(key.source == .command(["/usr/local/sbin/new-key", "--kind", "api"]))
        #expect(key.grace == .seconds(600))
        #expect(key.agentCopyTTL == .seconds(86_400))
        #expect(policy.secret(named: "session-token")?.source == .randomBytes(32))
        #expect(policy.secret(named: "session-token")?.grace == nil)
    }

    @Test(
        "bad secret rules are located errors",
        arguments: [
            ("secrets:\n  k:\n    rotate_every: 1h\n", "p.yaml:3:5: secret 'k' has rotate_every but no source"),
            ("secrets:\n  k:\n    source: {command: [new-key]}\n", "p.yaml:3:23: command must be a list starting"),
            ("secrets:\n  k:\n    source: {random_bytes: 8}\n", "p.yaml:3:28: random_bytes must be a number"),
            ("secrets:\n  k:\n    source: {shell: x}\n", "p.yaml:3:14: unknown source 'shell'"),
            ("secrets:\n  k:\n    grace: soon\n", "p.yaml:3:12: grace:"),
            ("secrets:\n  k:\n    colour: x\n", "p.yaml:3:5: unknown key 'colour'"),
            ("secrets:\n  'a b':\n    grace: 1m\n", "p.yaml:2:3: 'a b' is not a valid secret name"),
        ])
    func badSecrets(yaml: String, expected: String) {
        expectIssue(snippet: yaml, expected)
    }

    @Test("agents get stable uids: explicit ones kept, the rest from the base in name order, skipping taken uids")
    func accounts() throws {
        let policy = try SecurityPolicy.parse(
            yaml: """
                policy:
                  agent_uid_base: 70000
                b-role:
                  capabilities: []
                a-role:
                  capabilities: []
                agents:
                  worker:
                    roles: [b-role]
                    uid: 70001
                """, file: "p.yaml")
        #expect(policy.accounts[AgentName("worker")] == AgentAccount(uid: 70001, gid: 70001))
        #expect(policy.accounts[AgentName("a-role")] == AgentAccount(uid: 70000, gid: 70000))
        #expect(policy.accounts[AgentName("b-role")] == AgentAccount(uid: 70002, gid: 70002))
        #expect(SecurityPolicy.builtin().accounts.count == SecurityPolicy.builtin().agents.count)
        #expect(Set(SecurityPolicy.builtin().accounts.values.map(\.uid)).count == SecurityPolicy.builtin().agents.count)
    }

    @Test("a uid that is root, a system account or taken twice is refused")
    func badUIDs() {
        for (uid, message) in [("0", "a uid must be a number from 1000"), ("999", "a uid must be a number from 1000")] {
            #expect(throws: PolicyError.self, "\(message)") {
                try SecurityPolicy.parse(
                    yaml: "r:\n  capabilities: []\nagents:\n  a:\n    roles: [r]\n    uid: \(uid)\n", file: "p.yaml")
            }
        }
        #expect(throws: PolicyError.self) {
            try SecurityPolicy.parse(
                yaml: "r:\n  capabilities: []\nagents:\n  a: {roles: [r], uid: 5000}\n  b: {roles: [r], uid: 5000}\n",
                file: "p.yaml")
        }
    }
}
