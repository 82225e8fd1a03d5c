import Capabilities
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Inbound connection attempts from the kernel over nfnetlink_log: an nftables rule `log group N` (in the
/// product's table: new inbound TCP SYNs and UDP) hands each packet's headers to this socket as it happens —
/// no polling, no syslog in between.
///
/// Bursts: a 16 MiB receive buffer absorbs them while the reader catches up; the instance is configured to deliver each packet at
/// once (queue threshold 1, no flush timer), to copy only the first 160 bytes, and to number its messages
/// (`NFULNL_CFG_F_SEQ`), so every message lost to a full buffer shows up as a gap in the numbers, and ENOBUFS
/// overruns are counted: losses are reported, never silent.
public final class NFLogReader: Sendable {
    public let group: UInt16
    /// The receive buffer the kernel granted.
    public let receiveBuffer: Int
    /// Owns (and closes, with the reader) the socket `fd` belongs to; only `run` reads from it.
    private let socket: Mutex<NetlinkSocket>
    private let fd: Int32
    private let stopping = Atomic<Bool>(false)
    private let counters = Mutex(NFLogStatistics())

    /// Binds `group` (CAP_NET_ADMIN). `networkNamespace`: a path such as `/run/netns/NAME` whose namespace's
    /// packets to read (the socket is created there; the process stays where it is); nil for this one.
    public init(group: UInt16, receiveBufferBytes: Int = 16 << 20, networkNamespace: String? = nil)
        throws(DetectionError)
    {
        let netlink: NetlinkSocket
        if let networkNamespace {
            netlink = try NetworkNamespace.run(in: networkNamespace) { () throws(DetectionError) in
                try NetlinkSocket(protocol: NetlinkSocket.netfilter)
            }
        } else {
            netlink = try NetlinkSocket(protocol: NetlinkSocket.netfilter)
        }
        self.group = group
        receiveBuffer = netlink.setReceiveBuffer(receiveBufferBytes)
        try Self.configure(netlink, group: group)
        fd = netlink.fd
        socket = Mutex(netlink)
    }

    public var statistics: NFLogStatistics { counters.withLock { $0 } }

    /// Reads until ``stop()``, calling `handler` with each attempt and `idle` about every 250 ms (and after each
    /// batch), on the calling thread: run it on a thread of its own.
    public func run(
        _ handler: (ConnectionAttempt) -> Void, idle: () -> Void = {}, clock: any SecurityClock = SystemClock()
    ) throws(DetectionError) {
        var state = SequenceState()
        try NetlinkReceiver(fd: fd, what: "the NFLOG socket", bufferBytes: 1 << 18).run(
            stopping: { stopping.load(ordering: .relaxed) }, overrun: { counters.withLock { $0.overruns += 1 } },
            idle: idle
        ) { datagram in
            let now = clock.now()
            let packets = NFLogPacket.parse(datagram)
            var attempts = 0
            var lost = 0
            for packet in packets {
                lost += state.observe(packet.sequence)
                guard let payload = packet.payload,
                    let attempt = PacketHeader.attempt(UnsafeRawBufferPointer(rebasing: datagram[payload]), time: now)
                else { continue }
                attempts += 1
                handler(attempt)
            }
            counters.withLock {
                $0.packets += packets.count
                $0.attempts += attempts
                $0.lost += lost
            }
        }
    }

    /// Ends ``run(_:idle:clock:)`` within 250 ms.
    public func stop() { stopping.store(true, ordering: .relaxed) }

    private static func configure(_ netlink: NetlinkSocket, group: UInt16) throws(DetectionError) {
        let config: UInt16 = 4 << 8 | 1
        try netlink.request(
            type: config, family: UInt8(AF_UNSPEC), resourceID: group,
            attributes: NetlinkMessage.attribute(1, [1]), what: "bind NFLOG group \(group)")
        let attributes =
            NetlinkMessage.attribute(2, NetlinkMessage.bigEndian32(160) + [2, 0])  // copy 160 bytes of packet
            + NetlinkMessage.attribute(4, NetlinkMessage.bigEndian32(0))  // no flush timer
            + NetlinkMessage.attribute(5, NetlinkMessage.bigEndian32(1))  // deliver each packet at once
            + NetlinkMessage.attribute(6, [0, 1])  // NFULNL_CFG_F_SEQ: number the messages
        try netlink.request(
            type: config, family: UInt8(AF_UNSPEC), resourceID: group, attributes: attributes,
            what: "configure NFLOG group \(group)")
    }
}

/// What an ``NFLogReader`` has read and lost.
public struct NFLogStatistics: Hashable, Sendable {
    /// Packet messages received.
    public var packets = 0
    /// Of those, inbound connection attempts handed on.
    public var attempts = 0
    /// Messages the kernel numbered but this socket never received (gaps in `NFULA_SEQ`).
    public var lost = 0
    /// ENOBUFS from recv: the receive buffer overflowed at least once since the last read.
    public var overruns = 0
}

/// Gaps in the instance's message numbers.
struct SequenceState {
    private var last: UInt32?

    mutating func observe(_ sequence: UInt32?) -> Int {
        guard let sequence else { return 0 }
        defer { last = sequence }
        guard let last else { return 0 }
        let gap = sequence &- last &- 1
        return gap < 1 << 31 ? Int(gap) : 0
    }
}
