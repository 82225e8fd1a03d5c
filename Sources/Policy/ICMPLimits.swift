/// Bounds on ping (ICMP and ICMPv6 echo), which the seed keeps for diagnosis: without them an unprivileged ping
/// socket carries arbitrary payloads to any address and back. Other ICMP passes only as a reply or error of a
/// tracked connection, or as IPv6 neighbour discovery on the link.
public struct ICMPLimits: Sendable, Equatable {
    /// Where the machine may send echo requests. nil: the management subnets and the DNS servers.
    public var echoDestinations: [IPPrefix]?
    /// The largest echo payload, in bytes, in and out (ping's default is 56).
    public var payloadBytes: Int
    /// Outbound echo requests per second from the whole machine (the burst is twice this).
    public var outboundPerSecond: Int
    /// Inbound echo requests per second from one source address (the burst is twice this).
    public var inboundPerSource: Int
    /// Inbound echo requests per second from all sources together (the burst is twice this).
    public var inboundPerSecond: Int

    public init(
        echoDestinations: [IPPrefix]?, payloadBytes: Int, outboundPerSecond: Int, inboundPerSource: Int,
        inboundPerSecond: Int
    ) {
        self.echoDestinations = echoDestinations
        self.payloadBytes = payloadBytes
        self.outboundPerSecond = outboundPerSecond
        self.inboundPerSource = inboundPerSource
        self.inboundPerSecond = inboundPerSecond
    }

    public static let `default` = ICMPLimits(
        echoDestinations: nil, payloadBytes: 56, outboundPerSecond: 4, inboundPerSource: 2, inboundPerSecond: 20)
}

extension FirewallPolicy {
    /// The echo destinations in force: the policy's, or the management subnets and the DNS servers.
    public var echoDestinations: [IPPrefix] {
        icmp.echoDestinations ?? management + dns.servers.map { IPPrefix(host: $0) }
    }
}
