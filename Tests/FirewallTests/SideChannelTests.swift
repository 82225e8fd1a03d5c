import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Firewall

/// Issue 14, cases 1 and 2: what leaves the machine without a connection. Each attack runs for real between the
/// test's namespaces: `fw` pings and sends DHCP-port datagrams as an agent's process could.
@Suite(.serialized) struct SideChannelTests {
    /// Echo only to the management subnets; the DNS server (10.98.0.2, in `ext`) is not a ping destination.
    static func policy() throws -> FirewallPolicy {
        var policy = try NamespaceTests.policy()
        policy.icmp.echoDestinations = policy.management
        return policy
    }

    static func applied(_ policy: FirewallPolicy, in network: TestNetwork) throws {
        try FirewallTable(nftables: try Nftables(in: .named(network.fw))).apply(FirewallRuleset(policy: policy))
    }

    @Test(.requiresRoot("network namespaces and nftables")) func pingCarriesNoPayloadToAnAddressOutsideThePolicy()
        throws
    {
        let network = try TestNetwork()
        defer { network.close() }
        try Self.applied(try Self.policy(), in: network)
        #expect(try network.ping(from: network.fw, to: "10.99.0.2", payload: 56, count: 1) == 1)
        #expect(try network.ping(from: network.fw, to: "fd99::2", payload: 56, count: 1) == 1)
        #expect(try network.ping(from: network.fw, to: "10.98.0.2", payload: 56, count: 3) == 0)
        #expect(try network.ping(from: network.fw, to: "fd98::2", payload: 56, count: 3) == 0)
        // A bulk payload to an allowed destination is dropped too, even after an ordinary ping of the same socket
        // made its flow "established" for conntrack.
        for host in ["10.99.0.2", "fd99::2"] {
            #expect(try network.ping(from: network.fw, to: host, payload: 1_200, count: 3) == 0)
            #expect(try network.ping(from: network.fw, to: host, payload: 1_200, count: 3, established: true) == 0)
        }
    }

    @Test(.requiresRoot("network namespaces and nftables")) func pingRateIsBoundedOutAndInPerSource() throws {
        let network = try TestNetwork()
        defer { network.close() }
        try Self.applied(try Self.policy(), in: network)
        // Outbound: 4 a second, burst 8, for the whole machine.
        let out = try network.ping(from: network.fw, to: "10.99.0.2", payload: 56, count: 60)
        #expect(out >= 1 && out <= 14, "\(out) of 60 echo requests left")
        // Inbound: 2 a second from one source (burst 4); another source still gets its answer.
        let flood = try network.ping(from: network.ext, to: "10.98.0.1", payload: 56, count: 60)
        #expect(flood >= 1 && flood <= 8, "\(flood) of 60 answered")
        #expect(try network.ping(from: network.mgmt, to: "10.99.0.1", payload: 56, count: 1) == 1)
        #expect(try network.ping(from: network.mgmt, to: "10.99.0.1", payload: 1_200, count: 2) == 0)
    }

    @Test(.requiresRoot("network namespaces and nftables")) func dhcpPortsReachOnlyBroadcastOnTheDHCPInterface() throws
    {
        let network = try TestNetwork()
        defer { network.close() }
        var policy = try Self.policy()
        policy.dhcpInterfaces = ["e0"]
        try Self.applied(policy, in: network)
        let received = NSTemporaryDirectory() + "aios-dhcp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: received) }
        try network.start(network.ext, script: "udplog.py", ["67", received + ".67", "e1"])
        try network.start(network.ext, script: "udplog.py", ["547", received + ".547", "e1"])
        try network.start(network.mgmt, script: "udplog.py", ["67", received + ".mgmt", "m1"])
        // The side door: DHCP's ports to an ordinary host address, and DHCP on an interface that does not use it.
        try network.send(from: network.fw, to: "10.98.0.2", port: 67, sourcePort: 68)
        try network.send(from: network.fw, to: "fd98::2", port: 547, sourcePort: 546)
        try network.send(from: network.fw, to: "255.255.255.255", port: 67, sourcePort: 68, interface: "m0")
        // What DHCP itself needs: a broadcast and the DHCPv6 group on the DHCP interface.
        try network.send(from: network.fw, to: "255.255.255.255", port: 67, sourcePort: 68, interface: "e0")
        try network.send(from: network.fw, to: "ff02::1:2", port: 547, sourcePort: 546, interface: "e0")
        Thread.sleep(forTimeInterval: 0.5)
        let v4 = (try? String(contentsOfFile: received + ".67", encoding: .utf8)) ?? ""
        let v6 = (try? String(contentsOfFile: received + ".547", encoding: .utf8)) ?? ""
        let management = (try? String(contentsOfFile: received + ".mgmt", encoding: .utf8)) ?? ""
        #expect(v4.split(separator: "\n").count == 1, "ext got on 67: \(v4)")
        #expect(v6.split(separator: "\n").count == 1, "ext got on 547: \(v6)")
        #expect(management.isEmpty, "mgmt got on 67: \(management)")
    }
}

extension TestNetwork {
    /// `count` echo requests at once from `namespace` through an unprivileged ping socket (allowed by that
    /// namespace's own sysctl); how many replies came back.
    func ping(from namespace: String, to host: String, payload: Int, count: Int, established: Bool = false) throws
        -> Int
    {
        try exec(namespace, ["sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"], check: true)
        let output = try exec(
            namespace,
            ["python3", scriptPath("ping.py"), host, String(payload), String(count)] + (established ? ["then"] : []))
        return Int(output.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// One UDP datagram from `sourcePort` (bound to `interface` when given).
    func send(from namespace: String, to host: String, port: Int, sourcePort: Int, interface: String? = nil) throws {
        try exec(
            namespace,
            ["python3", scriptPath("udpsend.py"), host, String(port), String(sourcePort)]
                + (interface.map { [$0] } ?? []))
    }
}
