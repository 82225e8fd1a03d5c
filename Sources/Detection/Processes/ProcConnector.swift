import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The kernel's process events over the netlink proc connector: every fork, exec and exit on the machine, as it
/// happens. The connector is not namespaced: it needs CAP_NET_ADMIN in the initial user and PID namespaces, and
/// then sees the processes of every network and PID namespace, numbered as the initial PID namespace numbers them.
///
/// Losses are counted, never silent: the kernel numbers each CPU's events, so a gap in one CPU's numbers is
/// events this socket lost, and ENOBUFS (the receive buffer overflowed) is counted as an overrun.
public final class ProcConnector: Sendable {
    /// The receive buffer the kernel granted.
    public let receiveBuffer: Int
    /// Owns (and closes, with the connector) the socket `fd` belongs to; only `run` reads from it.
    private let socket: Mutex<NetlinkSocket>
    private let fd: Int32
    private let stopping = Atomic<Bool>(false)
    private let counters = Mutex(ProcConnectorStatistics())

    /// Subscribes (CAP_NET_ADMIN, initial namespaces) and waits up to 2 s for the kernel's acknowledgement; events
    /// queue in the socket from then on. The kernel ignores a request from another user or PID namespace without
    /// a word: no acknowledgement is "unavailable" here, never a recorder that silently sees nothing.
    public init(receiveBufferBytes: Int = 16 << 20) throws(DetectionError) {
        let netlink = try NetlinkSocket(protocol: NetlinkSocket.connector, groups: ProcEvent.connectorIndex)
        receiveBuffer = netlink.setReceiveBuffer(receiveBufferBytes)
        // Unique enough among the subscriptions of the moment: the acknowledgement goes to every listener.
        let token = UInt32.random(in: 1..<UInt32.max)
        let request = ProcEvent.subscription(ProcEvent.listen, port: 0, token: token)
        let sent = request.withUnsafeBytes { send(netlink.fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { throw DetectionError.system("subscribe to the proc connector", errno) }
        try Self.awaitAcknowledgement(netlink.fd, token: token)
        fd = netlink.fd
        socket = Mutex(netlink)
    }

    private static func awaitAcknowledgement(_ fd: Int32, token: UInt32) throws(DetectionError) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard received > 0 else { continue }
            for event in ProcEvent.parse(buffer[0..<received]) {
                guard case .acknowledgement(let error, token &+ 1) = event.kind else { continue }
                if error != 0 { throw DetectionError.system("subscribe to the proc connector", Int32(error)) }
                return
            }
        }
        throw DetectionError.unavailable(
            "the proc connector did not acknowledge the subscription (it needs CAP_NET_ADMIN in the initial user "
                + "and PID namespaces)")
    }

    deinit {
        // The kernel counts listeners and sends events while any is left: say goodbye.
        let request = ProcEvent.subscription(ProcEvent.ignore, port: 0)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
    }

    public var statistics: ProcConnectorStatistics { counters.withLock { $0 } }

    /// Reads until ``stop()``, calling `handler` with each event and `idle` about every 250 ms (and after each
    /// batch), on the calling thread: run it on a thread of its own, and keep `handler` short (reading a few
    /// `/proc` files is fine: the socket's buffer holds a burst meanwhile).
    public func run(_ handler: (ProcEvent) -> Void, idle: () -> Void = {}) throws(DetectionError) {
        // The race against a program that exits is won by being scheduled first: this thread asks for a higher
        // priority than ordinary processes (nice -10; on Linux `who` 0 is this thread, not the whole process).
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -10)
        var sequences = ProcSequences()
        try NetlinkReceiver(fd: fd, what: "the proc connector", bufferBytes: 1 << 16).run(
            stopping: { stopping.load(ordering: .relaxed) }, overrun: { counters.withLock { $0.overruns += 1 } },
            idle: idle
        ) { datagram in
            let events = ProcEvent.parse(ArraySlice(datagram.bindMemory(to: UInt8.self)))
            var lost = 0
            for event in events {
                lost += sequences.observe(event)
                handler(event)
            }
            counters.withLock {
                $0.events += events.count
                $0.lost += lost
            }
        }
    }

    /// Ends ``run(_:idle:)`` within 250 ms.
    public func stop() { stopping.store(true, ordering: .relaxed) }
}

/// What a ``ProcConnector`` has read and lost.
public struct ProcConnectorStatistics: Hashable, Sendable {
    public var events = 0
    /// Events the kernel numbered but this socket never received (gaps in a CPU's numbers).
    public var lost = 0
    /// ENOBUFS from recv: the receive buffer overflowed at least once since the last read.
    public var overruns = 0
}

/// Gaps in each CPU's event numbers.
struct ProcSequences {
    private var last: [UInt32: SequenceState] = [:]

    /// Acknowledgements are numbered with the events (the kernel sends both the same way).
    mutating func observe(_ event: ProcEvent) -> Int {
        last[event.cpu, default: SequenceState()].observe(event.sequence)
    }
}
