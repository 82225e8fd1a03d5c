import Capabilities
import Testing

@testable import Policy

@Suite("Policy: emergency access (operators, resume quorum, freeze timeout)")
struct EmergencyPolicyTests {
    static let aliceKey =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAY+qa72RG8uPSv9o23E1Z8TmO9vykJlV7YzbsO9TjIP alice@laptop"
    /// The same key type with another key.
    static let bobKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBY+qa72RG8uPSv9o23E1Z8TmO9vykJlV7YzbsO9TjIP bob"

    @Test("operators with their keys, a quorum of two, a freeze timeout, the SSH port")
    func section() throws {
        let policy = try SecurityPolicy.parse(
            yaml: """
                r:
                  capabilities: []
                emergency:
                  operators:
                    alice: {ssh_keys: ["\(Self.aliceKey)"]}
                    bob:
                      ssh_keys:
                        - \(Self.bobKey)
                  resume_quorum: 2
                  freeze_timeout: 2m
                  challenge_lifetime: 5m
                  ssh_port: 2222
                """, file: "p.yaml")
        let emergency = policy.emergency
        #expect(emergency.operators.map(\.name) == ["alice", "bob"])
        #expect(emergency.operator(named: "alice")?.sshKeys.first?.comment == "alice@laptop")
        #expect(emergency.operator(named: "alice")?.sshKeys.first?.type == "ssh-ed25519")
        #expect(emergency.resumeQuorum == 2)
        #expect(emergency.freezeTimeout == .seconds(120))
        #expect(emergency.challengeLifetime == .seconds(300))
        #expect(emergency.sshPort == 2222)
    }

    @Test("the defaults: nobody can resume until the policy names an operator; frozen agents die after 5 minutes")
    func defaults() throws {
        let policy = try SecurityPolicy.parse(yaml: "r:\n  capabilities: []\n", file: "p.yaml")
        #expect(policy.emergency.operators.isEmpty)
        #expect(policy.emergency.freezeTimeout == .seconds(300))
        #expect(SecurityPolicy.builtin().emergency.resumeQuorum == 1)
        let never = try SecurityPolicy.parse(
            yaml: "r:\n  capabilities: []\nemergency:\n  freeze_timeout: never\n", file: "p.yaml")
        #expect(never.emergency.freezeTimeout == nil)
    }

    @Test(
        "bad emergency sections are located errors",
        arguments: [
            (
                "emergency:\n  operators:\n    a: {ssh_keys: [\"ssh-dss AAAA\"]}\n",
                "p.yaml:3:20: ssh_keys of operator 'a': unknown key type"
            ),
            (
                "emergency:\n  operators:\n    a: {ssh_keys: [\"ssh-ed25519 !!!\"]}\n",
                "p.yaml:3:20: ssh_keys of operator 'a': the key is not valid base64"
            ),
            (
                "emergency:\n  operators:\n    a: {ssh_keys: [\"ssh-rsa \(aliceKey.split(separator: " ")[1])\"]}\n",
                "p.yaml:3:20: ssh_keys of operator 'a': the key's data is not a 'ssh-rsa' key"
            ),
            ("emergency:\n  operators:\n    a: {}\n", "p.yaml:3:8: operator 'a' needs 'ssh_keys'"),
            ("emergency:\n  operators:\n    a: {ssh_keys: []}\n", "p.yaml:3:19: operator 'a' has no SSH key"),
            ("emergency:\n  operators:\n    'a b': {ssh_keys: []}\n", "p.yaml:3:5: 'a b' is not a valid operator name"),
            (
                "emergency:\n  operators:\n    a: {ssh_keys: [\"\(aliceKey)\"]}\n    b: {ssh_keys: [\"\(aliceKey)\"]}\n",
                "p.yaml:4:20: this key is already operator 'a''s"
            ),
            ("emergency:\n  resume_quorum: 2\n", "p.yaml:2:18: emergency.resume_quorum is 2 but only 0 operator(s)"),
            ("emergency:\n  resume_quorum: 3\n", "p.yaml:2:18: emergency.resume_quorum must be a number from 1 to 2"),
            ("emergency:\n  freeze_timeout: soon\n", "p.yaml:2:19: emergency.freeze_timeout:"),
            ("emergency:\n  colour: red\n", "p.yaml:2:3: unknown key 'colour' in 'emergency'"),
        ])
    func badSections(yaml: String, expected: String) {
        expectIssue(snippet: yaml, expected)
    }
}
