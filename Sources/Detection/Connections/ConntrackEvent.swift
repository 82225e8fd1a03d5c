import Policy

/// One connection-tracking event from the kernel (ctnetlink over nfnetlink): a connection the kernel starts to
/// track, or one it forgets (closed, or timed out). The tuple is the original direction's — who sent the first
/// packet to whom — so a connection's initiator is ``source``.
public struct ConntrackEvent: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case new
        case destroy
    }

    public let kind: Kind
    /// IP protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, others as given.
    public let ipProtocol: UInt8
    public let source: IPAddress
    public let destination: IPAddress
    /// Ports for TCP, UDP, SCTP and DCCP; 0 otherwise.
    public let sourcePort: UInt16
    public let destinationPort: UInt16
    /// The kernel's id of the tracked connection: a `destroy` carries its `new`'s.
    public let id: UInt32?
    /// Packets and bytes both ways, when the kernel counts them (`nf_conntrack_acct`) and only on `destroy`.
    public let counters: Counters?

    public struct Counters: Hashable, Sendable {
        public var packets: UInt64
        public var bytes: UInt64
    }

    public init(
        kind: Kind, ipProtocol: UInt8, source: IPAddress, destination: IPAddress, sourcePort: UInt16,
        destinationPort: UInt16, id: UInt32? = nil, counters: Counters? = nil
    ) {
        self.kind = kind
        self.ipProtocol = ipProtocol
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.id = id
        self.counters = counters
    }

    public var protocolName: String {
        switch ipProtocol {
        case 6: "tcp"
        case 17: "udp"
        case 1: "icmp"
        case 58: "icmpv6"
        case 132: "sctp"
        default: "ip-\(ipProtocol)"
        }
    }
}
