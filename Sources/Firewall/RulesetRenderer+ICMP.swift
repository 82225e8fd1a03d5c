import Policy

/// ICMP and DHCP: the two kinds of traffic the seed keeps that are not connections to allowed names, each bounded
/// so that neither is a channel to anywhere (issue 14).
extension RulesetRenderer {
    /// IPv4 header (without options) plus the ICMP header: an echo of `payloadBytes` is this much longer.
    private static let echoOverhead4 = 28
    /// The ICMPv6 header (`ip6 length` is the payload length, without the IPv6 header).
    private static let echoOverhead6 = 8

    /// Inbound pings: a per-source meter first (a flood from one address), then the size and the total rate; the
    /// rest dropped. Before the conntrack accept: conntrack counts a ping's later requests (same id) as
    /// established, so bounds placed after it would hold for the first packet only.
    static func inboundEchoRules(_ limits: ICMPLimits) -> [String] {
        var rules: [String] = []
        for (family, icmp, set, length, overhead) in [
            ("ip", "icmp", "echo4", "ip length", echoOverhead4),
            ("ip6", "icmpv6", "echo6", "ip6 length", echoOverhead6),
        ] {
            rules.append(
                "\(icmp) type echo-request add @\(set) { \(family) saddr limit rate over "
                    + "\(limits.inboundPerSource)/second burst \(2 * limits.inboundPerSource) packets } drop")
            rules.append(
                "\(icmp) type echo-request \(length) <= \(limits.payloadBytes + overhead) "
                    + "limit rate \(limits.inboundPerSecond)/second burst \(2 * limits.inboundPerSecond) packets accept"
            )
            rules.append("\(icmp) type echo-request drop")
        }
        return rules
    }

    /// Outbound echo requests only to the policy's destinations, no larger than the payload bound, at a bounded
    /// total rate, every one of them (these rules come before the conntrack accept, as inbound).
    static func outboundEchoRules(_ policy: FirewallPolicy) -> [String] {
        let limits = policy.icmp
        let rate = "limit rate \(limits.outboundPerSecond)/second burst \(2 * limits.outboundPerSecond) packets"
        var rules: [String] = []
        for (family, prefixes) in byFamily(policy.echoDestinations) {
            let destinations = anonymousSet(prefixes.map(\.nftText))
            if family == "ip" {
                rules.append(
                    "icmp type echo-request ip daddr \(destinations) ip length <= "
                        + "\(limits.payloadBytes + echoOverhead4) \(rate) accept")
            } else {
                rules.append(
                    "icmpv6 type echo-request ip6 daddr \(destinations) ip6 length <= "
                        + "\(limits.payloadBytes + echoOverhead6) \(rate) accept")
            }
        }
        return rules + ["icmp type echo-request drop", "icmpv6 type echo-request drop"]
    }

    /// Neighbour discovery and multicast listener reports, link-scoped by their hop limits. Replies and errors of
    /// tracked traffic pass as established or related before these rules.
    static func outboundLinkRules() -> [String] {
        var rules: [String] = []
        rules.append(
            "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept")
        rules.append(
            "icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } ip6 hoplimit 1 accept")
        return rules
    }

    /// DHCP replies to the client ports, on the DHCP interfaces only.
    static func inboundDHCPRules(_ policy: FirewallPolicy) -> [String] {
        guard policy.allowDHCP else { return [] }
        let interfaces = interfaceMatch("iifname", policy.dhcpInterfaces)
        return [interfaces + "udp sport 67 udp dport 68 accept", interfaces + "udp sport 547 udp dport 546 accept"]
    }

    /// DHCP requests: broadcast (or a configured server, for unicast renewals) and the link-scoped DHCPv6
    /// multicast group, on the DHCP interfaces only — never port 67 or 547 of an arbitrary host.
    static func outboundDHCPRules(_ policy: FirewallPolicy) -> [String] {
        guard policy.allowDHCP else { return [] }
        let interfaces = interfaceMatch("oifname", policy.dhcpInterfaces)
        let servers = Set(policy.dhcpServers.filter(\.isIPv4)).sorted().map(\.description)
        return [
            interfaces + "udp sport 68 udp dport 67 ip daddr \(anonymousSet(servers + ["255.255.255.255"])) accept",
            interfaces + "udp sport 546 udp dport 547 ip6 daddr ff02::1:2 accept",
        ]
    }

    /// `oifname "eth0" ` or `oifname { "a", "b" } `; nothing for any interface.
    private static func interfaceMatch(_ keyword: String, _ names: [String]) -> String {
        guard !names.isEmpty else { return "" }
        return "\(keyword) \(anonymousSet(Set(names).sorted().map { "\"\($0)\"" })) "
    }
}
