import Capabilities
import Yams

extension PolicyLoader {
    /// Reads `firewall:` — `management` (prefixes), `management_ports`, `outbound` (`names`, `ports`), `dns`
    /// (`servers`, `listen`, `minimum_ttl`, `upstream_mark`), `rate_limit` (`new_per_second`, `burst`,
    /// `concurrent`), `block_for`, `dhcp` (true, false, or `interfaces` and `servers`), `icmp` (`echo_to`,
    /// `payload_bytes`, `outbound_per_second`, `inbound_per_source`, `inbound_per_second`),
    /// `attempt_log_per_second`. Every key is optional; absent ones keep the spec's defaults.
    mutating func readFirewall(_ node: Node) -> FirewallPolicy {
        var firewall = FirewallPolicy.default
        guard let pairs = reader.mapping(node, "'firewall'") else { return firewall }
        reader.rejectUnknownKeys(
            pairs,
            allowed: [
                "management", "management_ports", "outbound", "dns", "rate_limit", "block_for", "dhcp", "icmp",
                "attempt_log_per_second",
            ], in: "'firewall'")
        for pair in pairs {
            switch pair.key {
            case "management": firewall.management = readPrefixes(pair.value, "firewall.management")
            case "management_ports": firewall.managementPorts = readPorts(pair.value, "firewall.management_ports")
            case "outbound": readOutbound(pair.value, into: &firewall)
            case "dns": firewall.dns = readDNS(pair.value)
            case "rate_limit": firewall.rateLimit = readConnectionLimits(pair.value)
            case "block_for": firewall.defaultBlock = readDuration(pair.value, "firewall.block_for") ?? .seconds(3600)
            case "dhcp": readDHCP(pair.value, into: &firewall)
            case "icmp": firewall.icmp = readICMP(pair.value)
            case "attempt_log_per_second":
                firewall.attemptLogPerSecond =
                    readInteger(pair.value, "firewall.attempt_log_per_second", 1...1_000_000)
                    ?? firewall.attemptLogPerSecond
            default: break
            }
        }
        return firewall
    }

    private mutating func readOutbound(_ node: Node, into firewall: inout FirewallPolicy) {
        guard let pairs = reader.mapping(node, "firewall.outbound") else { return }
        reader.rejectUnknownKeys(pairs, allowed: ["names", "ports"], in: "firewall.outbound")
        for pair in pairs {
            if pair.key == "ports" { firewall.outboundPorts = readPorts(pair.value, "firewall.outbound.ports") }
            guard pair.key == "names" else { continue }
            var names: [HostPattern] = []
            for item in reader.sequence(pair.value, "firewall.outbound.names") ?? [] {
                guard let text = reader.scalar(item, "a host name") else { continue }
                do {
                    let pattern = try HostPattern(parsing: text)
                    if names.contains(pattern) { reader.report(item, "'\(pattern)' is listed twice") }
                    names.append(pattern)
                } catch {
                    reader.report(item, "firewall.outbound.names: \(error)")
                }
            }
            firewall.allowedNames = names
        }
    }

    private mutating func readDNS(_ node: Node) -> FirewallPolicy.DNSSettings {
        var dns = FirewallPolicy.DNSSettings.default
        guard let pairs = reader.mapping(node, "firewall.dns") else { return dns }
        reader.rejectUnknownKeys(
            pairs, allowed: ["servers", "listen", "minimum_ttl", "upstream_mark"], in: "firewall.dns")
        for pair in pairs {
            switch pair.key {
            case "servers":
                dns.servers = (reader.sequence(pair.value, "firewall.dns.servers") ?? []).compactMap { item in
                    guard let text = reader.scalar(item, "a DNS server") else { return nil }
                    guard let address = IPAddress(text) else {
                        reader.report(item, "firewall.dns.servers: '\(text)' is not one IPv4 or IPv6 address")
                        return nil
                    }
                    return address
                }
            case "listen":
                guard let text = reader.scalar(pair.value, "firewall.dns.listen"), let address = IPAddress(text) else {
                    reader.report(pair.value, "firewall.dns.listen must be one IPv4 or IPv6 address")
                    continue
                }
                dns.listen = address
            case "minimum_ttl":
                dns.minimumTTL = readDuration(pair.value, "firewall.dns.minimum_ttl") ?? dns.minimumTTL
            case "upstream_mark":
                guard let mark = readInteger(pair.value, "firewall.dns.upstream_mark", 1...0xFFFF_FFFF) else {
                    continue
                }
                dns.upstreamMark = UInt32(mark)
            default: break
            }
        }
        return dns
    }

    private mutating func readConnectionLimits(_ node: Node) -> FirewallPolicy.ConnectionLimits {
        var limits = FirewallPolicy.ConnectionLimits.default
        guard let pairs = reader.mapping(node, "firewall.rate_limit") else { return limits }
        reader.rejectUnknownKeys(pairs, allowed: ["new_per_second", "burst", "concurrent"], in: "firewall.rate_limit")
        for pair in pairs {
            guard let value = readInteger(pair.value, "firewall.rate_limit.\(pair.key)", 1...1_000_000) else {
                continue
            }
            switch pair.key {
            case "new_per_second": limits.newPerSecond = value
            case "burst": limits.burst = value
            default: limits.concurrent = value
            }
        }
        return limits
    }

    mutating func readPrefixes(_ node: Node, _ what: String) -> [IPPrefix] {
        var prefixes: [IPPrefix] = []
        for item in reader.sequence(node, what) ?? [] {
            guard let text = reader.scalar(item, "an address or prefix") else { continue }
            do {
                prefixes.append(try IPPrefix(parsing: text))
            } catch {
                reader.report(item, "\(what): \(error)")
            }
        }
        return prefixes
    }

    private mutating func readPorts(_ node: Node, _ what: String) -> [UInt16] {
        (reader.sequence(node, what) ?? []).compactMap { readInteger($0, what, 1...65_535).map(UInt16.init) }
    }

    /// A decimal (or `0x` hexadecimal) integer in `range`, or nil (reported).
    mutating func readInteger(_ node: Node, _ what: String, _ range: ClosedRange<Int>) -> Int? {
        guard let text = reader.scalar(node, what) else { return nil }
        let value = text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
        guard let value, range.contains(value), text.first != "+" else {
            reader.report(node, "\(what) must be a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }
}
