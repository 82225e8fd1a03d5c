import Policy
import Testing

@Suite struct IDSPolicyTests {
    static let role = "aios-agent-network:\n  capabilities: []\n"

    @Test func withoutAnIDSSectionTheDefaultsFollowTheFirewall() throws {
        let policy = try SecurityPolicy.parse(
            yaml: Self.role + "firewall:\n  management: [10.99.0.0/24]\n  management_ports: [22]\n", file: "p.yaml")
        #expect(policy.ids.bruteForce == .fail2banDefault)
        #expect(policy.ids.openPorts == [22])
        #expect(policy.ids.isAllowListed(IPAddress("10.99.0.5")!) && policy.ids.isAllowListed(IPAddress("::1")!))
        #expect(!policy.ids.isAllowListed(IPAddress("10.98.0.5")!))
        #expect(SecurityPolicy.builtin().ids.bruteForce.count == 5)
    }

    @Test func theIDSSectionIsRead() throws {
        let yaml =
            Self.role + """
                ids:
                  brute_force: {failures: 3, window: 1m, block_for: 1h}
                  auth_failures: {failures: 10}
                  port_scan: {ports: 20, addresses: 5, window: 30s, block_for: 2h}
                  unexpected_ports: {block_for: 5m}
                  open_ports: [22, 443]
                  allowlist: [192.0.2.0/24, 2001:db8::/32]
                """
        let ids = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").ids
        #expect(ids.bruteForce == RateThreshold(count: 3, window: .seconds(60), blockFor: .seconds(3600)))
        #expect(ids.authenticationFailures.count == 10 && ids.authenticationFailures.window == .seconds(600))
        #expect(ids.portScan == ScanThreshold(ports: 20, addresses: 5, window: .seconds(30), blockFor: .seconds(7200)))
        #expect(ids.unexpectedPortBlock == .seconds(300) && ids.openPorts == [22, 443])
        #expect(ids.isAllowListed(IPAddress("2001:db8::7")!) && ids.isAllowListed(IPAddress("127.0.0.1")!))
    }

    @Test func theFloodAndSpoofingSettingsAreRead() throws {
        let yaml =
            Self.role + """
                ids:
                  spoofable: alert
                  brute_force_prefix: {ipv4: 24, ipv6: 56}
                  alerts: {per_window: 5, window: 5m}
                  tracked_sources: 4096
                """
        let ids = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").ids
        #expect(ids.spoofable == .alertOnly)
        #expect(ids.bruteForcePrefix == BruteForcePrefix(v4: 24, v6: 56))
        #expect(ids.alertsPerWindow == 5 && ids.alertWindow == .seconds(300) && ids.trackedSources == 4096)
        let short = try SecurityPolicy.parse(yaml: Self.role + "ids:\n  spoofable: {block_for: 2m}\n", file: "p.yaml")
        #expect(short.ids.spoofable == .shortBlock(.seconds(120)))
        #expect(IDSPolicy.defaults().spoofable == .shortBlock(.seconds(600)))
    }

    @Test func mistakesAreLocated() {
        let yaml =
            Self.role + """
                ids:
                  brute_force: {failures: 0, window: 10x}
                  allowlist: [10.0.0.1/8]
                  bogus: 1
                """
        #expect {
            try SecurityPolicy.parse(yaml: yaml, file: "p.yaml")
        } throws: { error in
            let issues = (error as? PolicyError)?.issues.map(\.description) ?? []
            return issues.count == 4 && issues.allSatisfy { $0.hasPrefix("p.yaml:") }
                && issues.contains { $0.contains("host bits") }
        }
    }
}
