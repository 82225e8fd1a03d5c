import Yams

extension PolicyLoader {
    /// `dhcp: true|false`, or a mapping (DHCP on) with `interfaces` (names; absent: any) and `servers` (DHCPv4
    /// servers renewals may reach by unicast).
    mutating func readDHCP(_ node: Node, into firewall: inout FirewallPolicy) {
        if case .scalar = node {
            guard let text = reader.scalar(node, "firewall.dhcp"), let flag = Bool(text) else {
                reader.report(node, "firewall.dhcp must be true, false or a mapping (interfaces, servers)")
                return
            }
            firewall.allowDHCP = flag
            return
        }
        guard let pairs = reader.mapping(node, "firewall.dhcp") else { return }
        reader.rejectUnknownKeys(pairs, allowed: ["interfaces", "servers"], in: "firewall.dhcp")
        firewall.allowDHCP = true
        for pair in pairs {
            let items = reader.sequence(pair.value, "firewall.dhcp.\(pair.key)") ?? []
            if pair.key == "interfaces" {
                firewall.dhcpInterfaces = items.compactMap { readInterfaceName($0) }
                continue
            }
            firewall.dhcpServers = items.compactMap { item in
                guard let text = reader.scalar(item, "a DHCP server"), let address = IPAddress(text), address.isIPv4
                else {
                    reader.report(item, "firewall.dhcp.servers: each must be one IPv4 address")
                    return nil
                }
                return address
            }
        }
    }

    /// An interface name as the kernel allows it (1–15 bytes, no `/`, no blank) and as nft can quote it
    /// (letters, digits, `.`, `_`, `-`, `@`, `:`): nothing a rule could be injected through.
    private mutating func readInterfaceName(_ node: Node) -> String? {
        guard let text = reader.scalar(node, "an interface name") else { return nil }
        let allowed = text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Array(".-_@:".utf8).contains(byte)
        }
        guard (1...15).contains(text.utf8.count), allowed else {
            reader.report(node, "firewall.dhcp.interfaces: '\(text)' is not an interface name")
            return nil
        }
        return text
    }

    /// `icmp:` — `echo_to` (prefixes; absent: the management subnets and DNS servers), `payload_bytes`,
    /// `outbound_per_second`, `inbound_per_source`, `inbound_per_second`.
    mutating func readICMP(_ node: Node) -> ICMPLimits {
        var limits = ICMPLimits.default
        guard let pairs = reader.mapping(node, "firewall.icmp") else { return limits }
        reader.rejectUnknownKeys(
            pairs,
            allowed: ["echo_to", "payload_bytes", "outbound_per_second", "inbound_per_source", "inbound_per_second"],
            in: "firewall.icmp")
        for pair in pairs {
            let what = "firewall.icmp.\(pair.key)"
            switch pair.key {
            case "echo_to": limits.echoDestinations = readPrefixes(pair.value, what)
            case "payload_bytes": limits.payloadBytes = readInteger(pair.value, what, 0...1_400) ?? limits.payloadBytes
            case "outbound_per_second":
                limits.outboundPerSecond = readInteger(pair.value, what, 1...10_000) ?? limits.outboundPerSecond
            case "inbound_per_source":
                limits.inboundPerSource = readInteger(pair.value, what, 1...10_000) ?? limits.inboundPerSource
            default: limits.inboundPerSecond = readInteger(pair.value, what, 1...100_000) ?? limits.inboundPerSecond
            }
        }
        return limits
    }
}
