import Policy

/// Renders a ``FirewallRuleset`` as the `inet aios` table, in exactly the text `nft -t -s list table inet aios`
/// prints for it (sets without contents, no counters), so the rendering is both what is applied and what a diff
/// against the live table compares with.
public enum RulesetRenderer {
    /// The NFLOG group every new inbound TCP connection attempt (a SYN without ACK) is logged to, open port or
    /// closed, for the IDS's scan and unexpected-port rules. Without a reader the kernel drops the copies.
    public static let inboundAttemptLogGroup: UInt16 = 5

    public static let table = "inet aios"
    /// Sets whose contents the kernel holds and an apply must carry over.
    static let liveSets = ["blocked4", "blocked6", "blockednet4", "blockednet6", "allow4", "allow6"]

    public static func render(_ ruleset: FirewallRuleset) -> String {
        var blocks = sets(ruleset.policy).map {
            "\tset \($0.name) {\n" + $0.lines.map { "\t\t\($0)\n" }.joined() + "\t}\n"
        }
        blocks.append(chain("input", hook: "input", rules: inputRules(ruleset)))
        blocks.append(chain("output", hook: "output", rules: outputRules(ruleset)))
        return "table \(table) {\n" + blocks.joined(separator: "\n") + "}\n"
    }

    private static func chain(_ name: String, hook: String, rules: [String]) -> String {
        let header = "type filter hook \(hook) priority filter; policy drop;"
        return "\tchain \(name) {\n" + ([header] + rules).map { "\t\t\($0)\n" }.joined() + "\t}\n"
    }

    private static func sets(_ policy: FirewallPolicy) -> [(name: String, lines: [String])] {
        var sets: [(String, [String])] = []
        for (suffix, type) in [("4", "ipv4_addr"), ("6", "ipv6_addr")] {
            sets.append(("blocked" + suffix, ["type \(type)", "size 262144", "flags timeout"]))
        }
        for (suffix, type) in [("4", "ipv4_addr"), ("6", "ipv6_addr")] {
            sets.append(("blockednet" + suffix, ["type \(type)", "size 65536", "flags interval,timeout"]))
        }
        for (suffix, type) in [("4", "ipv4_addr"), ("6", "ipv6_addr")] {
            sets.append(
                ("allow" + suffix, ["type \(type) . inet_proto . inet_service", "size 65536", "flags timeout"]))
        }
        for (suffix, type) in [("4", "ipv4_addr"), ("6", "ipv6_addr")] {
            sets.append(("rate" + suffix, ["type \(type)", "size 65536", "flags dynamic,timeout", "timeout 1m"]))
        }
        for (suffix, type) in [("4", "ipv4_addr"), ("6", "ipv6_addr")] {
            sets.append(("echo" + suffix, ["type \(type)", "size 65536", "flags dynamic,timeout", "timeout 1m"]))
        }
        for (suffix, type) in [("4", "ipv4_addr"), ("6", "ipv6_addr")] {
            sets.append(("proven" + suffix, ["type \(type)", "size 65536", "flags dynamic,timeout", "timeout 1h"]))
        }
        for (suffix, type) in [("4", "ipv4_addr"), ("6", "ipv6_addr")] {
            sets.append(("conn" + suffix, ["type \(type)", "size 65536", "flags dynamic"]))
        }
        return sets
    }

    private static func inputRules(_ ruleset: FirewallRuleset) -> [String] {
        let policy = ruleset.policy
        let limits = policy.rateLimit
        var rules = [
            "iif \"lo\" accept", "ip saddr @blocked4 drop", "ip6 saddr @blocked6 drop", "ip saddr @blockednet4 drop",
            "ip6 saddr @blockednet6 drop",
        ]
        rules += ruleset.rules.filter { $0.direction == .inbound && $0.action == .deny }.flatMap(render)
        // Neighbour discovery before the conntrack checks: it must work whatever conntrack thinks of it.
        rules.append(
            "icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } "
                + "ip6 hoplimit 255 accept")
        rules.append("ct state invalid drop")
        rules += inboundEchoRules(policy.icmp)
        // Sources that completed a TCP handshake with this machine (a forged source never sees the SYN-ACK): the
        // evidence `ids.spoofable: {after_handshake: true}` asks for before it blocks on bare SYNs.
        rules += [
            "ct state established tcp flags ack / syn,ack add @proven4 { ip saddr }",
            "ct state established tcp flags ack / syn,ack add @proven6 { ip6 saddr }",
        ]
        rules += [
            "ct state established,related accept",
            // Written as nft lists it, so that the live table compares equal to the rendering.
            // Rate-limited: a spoofed-source flood must not turn into as many NFLOG copies (and IDS work); the
            // attempts above the limit are not seen by the scan rules (docs/ids.md).
            "tcp flags syn / fin,syn,rst,ack limit rate \(policy.attemptLogPerSecond)/second burst "
                + "\(2 * policy.attemptLogPerSecond) packets log group \(inboundAttemptLogGroup)",
            "icmp type { destination-unreachable, time-exceeded, parameter-problem } accept",
            "icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept",
            "icmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } "
                + "ip6 saddr fe80::/10 accept",
        ]
        rules += inboundDHCPRules(policy)
        for (family, set) in [("ip", "4"), ("ip6", "6")] {
            rules.append(
                "meta l4proto tcp ct state new add @rate\(set) { \(family) saddr limit rate over "
                    + "\(limits.newPerSecond)/second burst \(limits.burst) packets } drop")
        }
        for (family, set) in [("ip", "4"), ("ip6", "6")] {
            rules.append(
                "meta l4proto tcp ct state new add @conn\(set) { \(family) saddr ct count over \(limits.concurrent) } drop"
            )
        }
        if !policy.managementPorts.isEmpty {
            let ports = anonymousSet(policy.managementPorts.sorted().map(String.init))
            for (family, prefixes) in byFamily(policy.management) {
                rules.append("\(family) saddr \(anonymousSet(prefixes.map(\.nftText))) tcp dport \(ports) accept")
            }
        }
        rules += ruleset.rules.filter { $0.direction == .inbound && $0.action == .allow }.flatMap(render)
        return rules
    }

    private static func outputRules(_ ruleset: FirewallRuleset) -> [String] {
        let policy = ruleset.policy
        var rules = [
            "oif \"lo\" accept", "ip daddr @blocked4 drop", "ip6 daddr @blocked6 drop", "ip daddr @blockednet4 drop",
            "ip6 daddr @blockednet6 drop",
        ]
        rules += ruleset.rules.filter { $0.direction == .outbound && $0.action == .deny }.flatMap(render)
        rules.append("ct state invalid drop")
        rules += outboundEchoRules(policy)
        rules.append("ct state established,related accept")
        rules += outboundLinkRules()
        rules += outboundDHCPRules(policy)
        let mark = "0x" + String(policy.dns.upstreamMark, radix: 16)
        for family in [AddressFamily.v4, .v6] {
            let servers = Set(policy.dns.servers.filter { $0.family == family }).sorted()
            guard !servers.isEmpty else { continue }
            rules.append(
                "meta mark \(mark) \(family.keyword) daddr \(anonymousSet(servers.map(\.description))) "
                    + "meta l4proto { tcp, udp } th dport 53 accept")
        }
        rules += [
            "ip daddr . meta l4proto . th dport @allow4 accept", "ip6 daddr . meta l4proto . th dport @allow6 accept",
        ]
        rules += ruleset.rules.filter { $0.direction == .outbound && $0.action == .allow }.flatMap(render)
        rules.append("reject with icmpx admin-prohibited")
        return rules
    }

    /// A dynamic rule as nft text; nothing for a name rule (it feeds the allow sets instead).
    static func render(_ rule: FirewallRule) -> [String] {
        var parts: [String] = []
        let side = rule.direction == .inbound ? "saddr" : "daddr"
        switch rule.peer {
        case .any: break
        case .prefix(let prefix): parts.append("\(prefix.family.keyword) \(side) \(prefix.nftText)")
        case .name: return []
        }
        let ports = anonymousSet(rule.ports.map(String.init))
        switch (rule.transport, rule.ports.isEmpty) {
        case (.any, _): break
        case (let transport, true): parts.append("meta l4proto \(transport.rawValue)")
        case (let transport, false): parts.append("\(transport.rawValue) dport \(ports)")
        }
        switch (rule.action, rule.direction) {
        case (.allow, _): parts.append("accept")
        case (.deny, .inbound): parts.append("drop")
        case (.deny, .outbound): parts.append("reject with icmpx admin-prohibited")
        }
        parts.append("comment \"aios:\(rule.id)\"")
        return [parts.joined(separator: " ")]
    }

    /// `x` alone, or `{ a, b }` (nft prints a one-element anonymous set as the element).
    static func anonymousSet(_ items: [String]) -> String {
        items.count == 1 ? items[0] : "{ " + items.joined(separator: ", ") + " }"
    }

    /// IPv4 then IPv6, each sorted as nft prints them; families without prefixes are left out.
    static func byFamily(_ prefixes: [IPPrefix]) -> [(String, [IPPrefix])] {
        let sorted = Array(Set(prefixes)).sorted()
        return [("ip", sorted.filter { $0.family == .v4 }), ("ip6", sorted.filter { $0.family == .v6 })]
            .filter { !$0.1.isEmpty }
    }
}
