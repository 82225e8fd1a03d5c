import Policy
import Testing

@Suite struct FirewallPolicyTests {
    let role = "aios-agent-network:\n  capabilities: [\"net:*\"]\n"

    @Test func absentSectionMeansTheSpecDefaults() throws {
        let policy = try SecurityPolicy.parse(yaml: role, file: "p.yaml")
        #expect(policy.firewall == .default)
        #expect(policy.firewall.managementPorts == [9090, 22])
        #expect(
            policy.firewall.allowedNames.map(\.description) == ["api.anthropic.com", "api.openai.com", "*.debian.org"])
        #expect(policy.firewall.outboundPorts == [443])
    }

    @Test func readsEverySetting() throws {
        let yaml =
            role + """
                firewall:
                  management: [10.99.0.0/24, "fd99::/64"]
                  management_ports: [22]
                  outbound: {names: [example.com, "*.example.org"], ports: [443, 8443]}
                  dns: {servers: [9.9.9.9, "2620:fe::fe"], listen: 127.0.0.54, minimum_ttl: 10m, upstream_mark: 0x10}
                  rate_limit: {new_per_second: 5, burst: 7, concurrent: 3}
                  block_for: 2h
                  dhcp: false
                """
        let firewall = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").firewall
        #expect(firewall.management.map(\.description) == ["10.99.0.0/24", "fd99::/64"])
        #expect(firewall.managementPorts == [22])
        #expect(firewall.allowedNames.map(\.description) == ["example.com", "*.example.org"])
        #expect(firewall.outboundPorts == [443, 8443])
        #expect(firewall.dns.servers.map(\.description) == ["9.9.9.9", "2620:fe::fe"])
        #expect(firewall.dns.listen.description == "127.0.0.54")
        #expect(firewall.dns.minimumTTL.milliseconds == 600_000)
        #expect(firewall.dns.upstreamMark == 0x10)
        #expect(firewall.rateLimit == .init(newPerSecond: 5, burst: 7, concurrent: 3))
        #expect(firewall.defaultBlock.milliseconds == 7_200_000)
        #expect(!firewall.allowDHCP)
    }

    @Test func errorsSayWhatAndWhere() throws {
        let yaml =
            role + """
                firewall:
                  management: [10.99.0.1/24]
                  management_ports: [0]
                  outbound: {names: ["bad name"]}
                  dns: {servers: [10.0.0.0/8]}
                  colour: blue
                """
        do {
            _ = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml")
            Issue.record("accepted a bad firewall section")
        } catch {
            let lines = error.issues.map(\.description)
            #expect(
                lines.contains { $0.hasPrefix("p.yaml:4:16: firewall.management: '10.99.0.1/24' has host bits set") })
            #expect(lines.contains("p.yaml:5:22: firewall.management_ports must be a number from 1 to 65535"))
            #expect(
                lines.contains { $0.hasPrefix("p.yaml:6:22: firewall.outbound.names: 'bad name' is not a host name") })
            #expect(lines.contains("p.yaml:7:19: firewall.dns.servers: '10.0.0.0/8' is not one IPv4 or IPv6 address"))
            #expect(lines.contains { $0.hasPrefix("p.yaml:8:3: unknown key 'colour' in 'firewall'") })
        }
    }
}

@Suite struct SideChannelPolicyTests {
    let role = "aios-agent-network:\n  capabilities: [\"net:*\"]\n"

    @Test func icmpAndDHCPBoundsAreRead() throws {
        let yaml =
            role + """
                firewall:
                  management: [10.99.0.0/24]
                  dns: {servers: [9.9.9.9]}
                  dhcp: {interfaces: [eth0, "wlan0"], servers: [192.0.2.1]}
                  icmp: {echo_to: [192.0.2.0/24], payload_bytes: 32, outbound_per_second: 2, inbound_per_source: 1,
                         inbound_per_second: 5}
                  attempt_log_per_second: 300
                """
        let firewall = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").firewall
        #expect(firewall.allowDHCP && firewall.dhcpInterfaces == ["eth0", "wlan0"])
        #expect(firewall.dhcpServers.map(\.description) == ["192.0.2.1"])
        #expect(firewall.echoDestinations.map(\.description) == ["192.0.2.0/24"])
        #expect(firewall.icmp.payloadBytes == 32 && firewall.icmp.outboundPerSecond == 2)
        #expect(firewall.icmp.inboundPerSource == 1 && firewall.icmp.inboundPerSecond == 5)
        #expect(firewall.attemptLogPerSecond == 300)
    }

    @Test func echoGoesToManagementAndDNSServersByDefault() throws {
        let yaml = role + "firewall:\n  management: [10.99.0.0/24]\n  dns: {servers: [9.9.9.9]}\n"
        let firewall = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").firewall
        #expect(firewall.echoDestinations.map(\.description) == ["10.99.0.0/24", "9.9.9.9/32"])
    }

    @Test func anInterfaceNameCannotCarryARule() {
        let yaml = role + "firewall:\n  dhcp: {interfaces: [\"eth0\\\" accept\"]}\n"
        #expect(throws: (any Error).self) { try SecurityPolicy.parse(yaml: yaml, file: "p.yaml") }
    }
}
