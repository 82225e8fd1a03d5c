import Detection
import Foundation
import Policy

@testable import Firewall

/// The IDS lab with the Firewall module's real `inet aios` table in the target, blocking through its blocklist and
/// asking ``CriticalAddresses`` first — what `serve --firewall` wires together (the daemon's `FirewallBlocker`).
struct FirewallLabBlocker: Blocker {
    let blocklist: Blocklist
    let critical: CriticalAddresses

    func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        try blocklist.block(source, for: duration, reason: reason)
    }

    func block(prefix: IPPrefix, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        try blocklist.block(prefix: prefix, for: duration, reason: reason)
    }

    func protection(of source: IPAddress) -> String? { critical.reason(for: source) }

    func hasCompletedHandshake(_ source: IPAddress) -> Bool { blocklist.hasCompletedHandshake(source) }
}

extension IDSLab {
    /// The target's firewall: DNS server 10.77.0.53, a default route through 10.77.0.1, the management subnet
    /// elsewhere (so the attacker's addresses are not allow-listed), SSH open to it; `rules`: dynamic rules.
    func applyFirewall(rules: [FirewallRule] = []) throws -> (policy: FirewallPolicy, blocker: FirewallLabBlocker) {
        try run(["ip", "-n", targetNamespace, "route", "add", "default", "via", "10.77.0.1"])
        // Spoofed sources off the subnet must reach the input hook (a new namespace's default, said explicitly).
        for key in ["all", "default", "vt"] {
            try exec(targetNamespace, ["sysctl", "-qw", "net.ipv4.conf.\(key).rp_filter=0"])
        }
        var policy = FirewallPolicy.default
        policy.management = [try IPPrefix(parsing: "10.99.0.0/24")]
        policy.managementPorts = [22]
        policy.dns.servers = [IPAddress("10.77.0.53")!]
        let nftables = try Nftables(in: .named(targetNamespace))
        try FirewallTable(nftables: nftables).apply(FirewallRuleset(policy: policy, rules: rules))
        let critical = CriticalAddresses(policy: policy, allowSets: nil, thread: nftables.thread)
        return (policy, FirewallLabBlocker(blocklist: Blocklist(nftables: nftables), critical: critical))
    }

    /// `count` SYNs to `port` of the target, each from a different forged source in 10.200.0.0/16 (raw socket in
    /// the attacker's namespace).
    func spoofedSYNFlood(count: Int, port: Int) throws {
        let script = """
            import random, socket, struct, sys
            def checksum(data):
                if len(data) % 2: data += b'\\0'
                total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
                while total >> 16: total = (total & 0xffff) + (total >> 16)
                return ~total & 0xffff
            count, target, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            dst = socket.inet_aton(target)
            for i in range(count):
                src = socket.inet_aton('10.200.%d.%d' % (i // 250, 1 + i % 250))
                tcp = struct.pack('!HHIIBBHHH', 1024 + i % 60000, port, random.getrandbits(32), 0, 5 << 4, 2, 64240, 0, 0)
                pseudo = src + dst + struct.pack('!BBH', 0, 6, len(tcp))
                tcp = tcp[:16] + struct.pack('!H', checksum(pseudo + tcp)) + tcp[18:]
                ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6, 0, src, dst)
                s.sendto(ip + tcp, (target, 0))
            print('sent', count)
            """
        try exec(attacker, ["python3", "-c", script, String(count), Self.target, String(port)])
    }
}
