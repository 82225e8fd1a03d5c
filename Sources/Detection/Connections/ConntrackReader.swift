import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The kernel's connection tracking as it happens: every connection it starts to track and every one it forgets,
/// inbound and outbound, TCP, UDP and the rest (ctnetlink's NEW and DESTROY multicast groups). Needs CAP_NET_ADMIN
/// and connection tracking active in the namespace (the firewall's `ct state` rules turn it on); it sees one
/// network namespace, the one it was opened in.
///
/// A burst waits in a 16 MiB receive buffer; when that overflows the kernel says so (ENOBUFS), and the overrun is
/// counted — the events lost in it are not known one by one, so the count is of overruns, never silent.
public final class ConntrackReader: Sendable {
    public let receiveBuffer: Int
    private let socket: Mutex<NetlinkSocket>
    private let fd: Int32
    private let stopping = Atomic<Bool>(false)
    private let counters = Mutex(ConntrackStatistics())

    /// NFNLGRP_CONNTRACK_NEW (1) and NFNLGRP_CONNTRACK_DESTROY (3), as a bind mask; updates are not wanted.
    static let groups: UInt32 = 1 << 0 | 1 << 2

    /// `networkNamespace`: a path such as `/run/netns/NAME` whose connections to read; nil for this one.
    public init(receiveBufferBytes: Int = 16 << 20, networkNamespace: String? = nil) throws(DetectionError) {
        let netlink: NetlinkSocket
        if let networkNamespace {
            netlink = try NetworkNamespace.run(in: networkNamespace) { () throws(DetectionError) in
                try NetlinkSocket(protocol: NetlinkSocket.netfilter, groups: ConntrackReader.groups)
            }
        } else {
            netlink = try NetlinkSocket(protocol: NetlinkSocket.netfilter, groups: Self.groups)
        }
        receiveBuffer = netlink.setReceiveBuffer(receiveBufferBytes)
        fd = netlink.fd
        socket = Mutex(netlink)
    }

    public var statistics: ConntrackStatistics { counters.withLock { $0 } }

    /// Reads until ``stop()``, calling `handler` with each event and `idle` about every 250 ms (and after each
    /// batch), on the calling thread: run it on a thread of its own.
    public func run(_ handler: (ConntrackEvent) -> Void, idle: () -> Void = {}) throws(DetectionError) {
        try NetlinkReceiver(fd: fd, what: "the conntrack socket", bufferBytes: 1 << 16).run(
            stopping: { stopping.load(ordering: .relaxed) }, overrun: { counters.withLock { $0.overruns += 1 } },
            idle: idle
        ) { datagram in
            let parsed = ConntrackParser.parse(datagram)
            for event in parsed.events { handler(event) }
            counters.withLock {
                $0.events += parsed.events.count
                $0.malformed += parsed.malformed
            }
        }
    }

    /// Ends ``run(_:idle:)`` within 250 ms.
    public func stop() { stopping.store(true, ordering: .relaxed) }
}

/// What a ``ConntrackReader`` has read and lost.
public struct ConntrackStatistics: Hashable, Sendable {
    public var events = 0
    public var malformed = 0
    /// ENOBUFS from recv: the receive buffer overflowed (events were lost) at least once since the last read.
    public var overruns = 0
}
