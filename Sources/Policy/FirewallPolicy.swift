import Capabilities

/// The host firewall as policy says it should be (issue 7; the spec's "Network Security" defaults): inbound only
/// the management ports from the management subnets, outbound only the allow-listed names on their ports and DNS
/// through the product's forwarder, ICMP, rate limits on every open port, a timed blocklist.
public struct FirewallPolicy: Sendable, Equatable {
    /// Where operators connect from; the only sources that reach `managementPorts`. Empty means loopback only:
    /// `firewall apply` refuses that unless told (it would cut remote SSH on a fresh apply).
    public var management: [IPPrefix]
    /// TCP ports open to the management subnets (the web console's 9090 and SSH).
    public var managementPorts: [UInt16]
    /// Outbound names (with `*.` wildcards) reachable on `outboundPorts` once the forwarder has seen their answer.
    public var allowedNames: [HostPattern]
    /// TCP ports the allowed names are reachable on.
    public var outboundPorts: [UInt16]
    public var dns: DNSSettings
    public var rateLimit: ConnectionLimits
    /// The block length when a caller names none.
    public var defaultBlock: GrantDuration
    /// DHCP (v4 and v6) client traffic: leases must renew or the machine loses its address.
    public var allowDHCP: Bool
    /// The interfaces DHCP runs on; empty: any interface. DHCP packets on other interfaces are dropped.
    public var dhcpInterfaces: [String] = []
    /// DHCPv4 servers a renewal may go to by unicast; without them a lease renews by broadcast (at T2, the rebind).
    public var dhcpServers: [IPAddress] = []
    /// How far ping reaches and how much it carries.
    public var icmp: ICMPLimits = .default
    /// New inbound TCP attempts per second copied to the IDS (NFLOG), the burst twice this: a spoofed-source
    /// flood costs the IDS at most this much; attempts above it are not seen by the scan rules.
    public var attemptLogPerSecond = 1000

    /// The forwarder every DNS query must go through, and where it forwards.
    public struct DNSSettings: Sendable, Equatable {
        /// The upstream resolvers: the only port-53 destinations, and only for the forwarder's own packets.
        public var servers: [IPAddress]
        /// Where the forwarder listens (UDP and TCP 53); the machine's resolv.conf must point here.
        public var listen: IPAddress
        /// Addresses learnt from an answer stay allowed for max(TTL, this).
        public var minimumTTL: GrantDuration
        /// The packet mark (SO_MARK) of the forwarder's upstream queries; only marked packets may leave on port 53.
        /// Setting a mark needs CAP_NET_ADMIN, which agents never have.
        public var upstreamMark: UInt32

        public init(servers: [IPAddress], listen: IPAddress, minimumTTL: GrantDuration, upstreamMark: UInt32) {
            self.servers = servers
            self.listen = listen
            self.minimumTTL = minimumTTL
            self.upstreamMark = upstreamMark
        }

        public static let `default` = DNSSettings(
            servers: [], listen: IPAddress("127.0.0.53")!, minimumTTL: .seconds(300), upstreamMark: 0x4149_0053)
    }

    /// Per-source limits on the open ports, enforced in the kernel (nftables meters and `ct count`).
    public struct ConnectionLimits: Sendable, Equatable {
        /// New connections per second from one source address, and the burst above that rate.
        public var newPerSecond: Int
        public var burst: Int
        /// Connections open at once from one source address.
        public var concurrent: Int

        public init(newPerSecond: Int, burst: Int, concurrent: Int) {
            self.newPerSecond = newPerSecond
            self.burst = burst
            self.concurrent = concurrent
        }

        public static let `default` = ConnectionLimits(newPerSecond: 10, burst: 20, concurrent: 32)
    }

    public init(
        management: [IPPrefix], managementPorts: [UInt16], allowedNames: [HostPattern], outboundPorts: [UInt16],
        dns: DNSSettings, rateLimit: ConnectionLimits, defaultBlock: GrantDuration, allowDHCP: Bool
    ) {
        self.management = management
        self.managementPorts = managementPorts
        self.allowedNames = allowedNames
        self.outboundPorts = outboundPorts
        self.dns = dns
        self.rateLimit = rateLimit
        self.defaultBlock = defaultBlock
        self.allowDHCP = allowDHCP
    }

    /// The spec's defaults: 9090 and 22 inbound, 443 to the model APIs and Debian's mirrors.
    public static let `default` = FirewallPolicy(
        management: [], managementPorts: [9090, 22],
        allowedNames: ["api.anthropic.com", "api.openai.com", "*.debian.org"].map { try! HostPattern(parsing: $0) },
        outboundPorts: [443], dns: .default, rateLimit: .default, defaultBlock: .seconds(3600), allowDHCP: true)
}
