import Policy
import Testing

@testable import Firewall

@Suite struct RendererTests {
    static func smallPolicy() throws -> FirewallPolicy {
        var policy = FirewallPolicy.default
        policy.management = [try IPPrefix(parsing: "10.99.0.0/24"), try IPPrefix(parsing: "fd99::/64")]
        policy.dns.servers = [IPAddress("10.98.0.2")!]
        policy.allowDHCP = false
        return policy
    }

    @Test func rendersTheWholeTableExactly() throws {
        let rules = [
            try FirewallRule(
                id: "r1", direction: .inbound, action: .allow, transport: .tcp, ports: [8080, 8443],
                peer: .prefix(IPPrefix(parsing: "192.0.2.0/24")), author: "operator", reason: "web"),
            try FirewallRule(
                id: "r2", direction: .outbound, action: .deny, transport: .any, ports: [],
                peer: .prefix(IPPrefix(parsing: "203.0.113.7")), author: "operator", reason: "known bad"),
        ]
        let text = RulesetRenderer.render(FirewallRuleset(policy: try Self.smallPolicy(), rules: rules))
        let expected = """
            table inet aios {
            \tset blocked4 {
            \t\ttype ipv4_addr
            \t\tsize 262144
            \t\tflags timeout
            \t}

            \tset blocked6 {
            \t\ttype ipv6_addr
            \t\tsize 262144
            \t\tflags timeout
            \t}

            \tset blockednet4 {
            \t\ttype ipv4_addr
            \t\tsize 65536
            \t\tflags interval,timeout
            \t}

            \tset blockednet6 {
            \t\ttype ipv6_addr
            \t\tsize 65536
            \t\tflags interval,timeout
            \t}

            \tset allow4 {
            \t\ttype ipv4_addr . inet_proto . inet_service
            \t\tsize 65536
            \t\tflags timeout
            \t}

            \tset allow6 {
            \t\ttype ipv6_addr . inet_proto . inet_service
            \t\tsize 65536
            \t\tflags timeout
            \t}

            \tset rate4 {
            \t\ttype ipv4_addr
            \t\tsize 65536
            \t\tflags dynamic,timeout
            \t\ttimeout 1m
            \t}

            \tset rate6 {
            \t\ttype ipv6_addr
            \t\tsize 65536
            \t\tflags dynamic,timeout
            \t\ttimeout 1m
            \t}

            \tset echo4 {
            \t\ttype ipv4_addr
            \t\tsize 65536
            \t\tflags dynamic,timeout
            \t\ttimeout 1m
            \t}

            \tset echo6 {
            \t\ttype ipv6_addr
            \t\tsize 65536
            \t\tflags dynamic,timeout
            \t\ttimeout 1m
            \t}

            \tset proven4 {
            \t\ttype ipv4_addr
            \t\tsize 65536
            \t\tflags dynamic,timeout
            \t\ttimeout 1h
            \t}

            \tset proven6 {
            \t\ttype ipv6_addr
            \t\tsize 65536
            \t\tflags dynamic,timeout
            \t\ttimeout 1h
            \t}

            \tset conn4 {
            \t\ttype ipv4_addr
            \t\tsize 65536
            \t\tflags dynamic
            \t}

            \tset conn6 {
            \t\ttype ipv6_addr
            \t\tsize 65536
            \t\tflags dynamic
            \t}

            \tchain input {
            \t\ttype filter hook input priority filter; policy drop;
            \t\tiif "lo" accept
            \t\tip saddr @blocked4 drop
            \t\tip6 saddr @blocked6 drop
            \t\tip saddr @blockednet4 drop
            \t\tip6 saddr @blockednet6 drop
            \t\ticmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } ip6 hoplimit 255 accept
            \t\tct state invalid drop
            \t\ticmp type echo-request add @echo4 { ip saddr limit rate over 2/second burst 4 packets } drop
            \t\ticmp type echo-request ip length <= 84 limit rate 20/second burst 40 packets accept
            \t\ticmp type echo-request drop
            \t\ticmpv6 type echo-request add @echo6 { ip6 saddr limit rate over 2/second burst 4 packets } drop
            \t\ticmpv6 type echo-request ip6 length <= 64 limit rate 20/second burst 40 packets accept
            \t\ticmpv6 type echo-request drop
            \t\tct state established tcp flags ack / syn,ack add @proven4 { ip saddr }
            \t\tct state established tcp flags ack / syn,ack add @proven6 { ip6 saddr }
            \t\tct state established,related accept
            \t\ttcp flags syn / fin,syn,rst,ack limit rate 1000/second burst 2000 packets log group 5
            \t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } accept
            \t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept
            \t\ticmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } ip6 saddr fe80::/10 accept
            \t\tmeta l4proto tcp ct state new add @rate4 { ip saddr limit rate over 10/second burst 20 packets } drop
            \t\tmeta l4proto tcp ct state new add @rate6 { ip6 saddr limit rate over 10/second burst 20 packets } drop
            \t\tmeta l4proto tcp ct state new add @conn4 { ip saddr ct count over 32 } drop
            \t\tmeta l4proto tcp ct state new add @conn6 { ip6 saddr ct count over 32 } drop
            \t\tip saddr 10.99.0.0/24 tcp dport { 22, 9090 } accept
            \t\tip6 saddr fd99::/64 tcp dport { 22, 9090 } accept
            \t\tip saddr 192.0.2.0/24 tcp dport { 8080, 8443 } accept comment "aios:r1"
            \t}

            \tchain output {
            \t\ttype filter hook output priority filter; policy drop;
            \t\toif "lo" accept
            \t\tip daddr @blocked4 drop
            \t\tip6 daddr @blocked6 drop
            \t\tip daddr @blockednet4 drop
            \t\tip6 daddr @blockednet6 drop
            \t\tip daddr 203.0.113.7 reject with icmpx admin-prohibited comment "aios:r2"
            \t\tct state invalid drop
            \t\ticmp type echo-request ip daddr { 10.98.0.2, 10.99.0.0/24 } ip length <= 84 limit rate 4/second burst 8 packets accept
            \t\ticmpv6 type echo-request ip6 daddr fd99::/64 ip6 length <= 64 limit rate 4/second burst 8 packets accept
            \t\ticmp type echo-request drop
            \t\ticmpv6 type echo-request drop
            \t\tct state established,related accept
            \t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept
            \t\ticmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } ip6 hoplimit 1 accept
            \t\tmeta mark 0x41490053 ip daddr 10.98.0.2 meta l4proto { tcp, udp } th dport 53 accept
            \t\tip daddr . meta l4proto . th dport @allow4 accept
            \t\tip6 daddr . meta l4proto . th dport @allow6 accept
            \t\treject with icmpx admin-prohibited
            \t}
            }

            """
        #expect(text == expected, "\(TextDiff(from: expected, to: text))")
    }

    @Test func nameRulesFeedTheAllowSetsInsteadOfRules() throws {
        let rule = try FirewallRule(
            id: "gh", direction: .outbound, action: .allow, transport: .tcp, ports: [443, 22],
            peer: FirewallPeer(parsing: "*.github.com"), author: "network", reason: "git")
        #expect(RulesetRenderer.render(rule).isEmpty)
        let grants = FirewallRuleset(policy: .default, rules: [rule]).nameGrants
        #expect(
            grants.map(\.pattern.description) == [
                "api.anthropic.com", "api.openai.com", "*.debian.org", "*.github.com",
            ])
        #expect(grants.last?.ports == [22, 443])
    }

    @Test func dynamicRulesRenderEachShape() throws {
        func rendered(
            _ direction: FirewallRule.Direction, _ action: FirewallRule.Action, _ transport: FirewallRule.Transport,
            _ ports: [UInt16], _ peer: String
        ) throws -> String {
            let rule = try FirewallRule(
                id: "x", direction: direction, action: action, transport: transport, ports: ports,
                peer: FirewallPeer(parsing: peer), author: "t", reason: "t")
            return RulesetRenderer.render(rule).joined()
        }
        #expect(
            try rendered(.inbound, .deny, .any, [], "2001:db8::/32")
                == "ip6 saddr 2001:db8::/32 drop comment \"aios:x\"")
        #expect(try rendered(.inbound, .allow, .udp, [53], "any") == "udp dport 53 accept comment \"aios:x\"")
        #expect(
            try rendered(.outbound, .allow, .tcp, [], "192.0.2.1")
                == "ip daddr 192.0.2.1 meta l4proto tcp accept comment \"aios:x\"")
    }

    @Test func diffShowsOnlyChangedLinesWithContext() {
        let diff = TextDiff(from: "a\nb\nc\nd\n", to: "a\nb\nx\nd\n")
        #expect(diff.description == "  b\n+ x\n- c\n  d")
        #expect(TextDiff(from: "a\n", to: "a\n").isEmpty)
    }
}
