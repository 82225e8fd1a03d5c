import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The kernel audit system's records, read from its multicast group (`AUDIT_NLGRP_READLOG`) without being auditd:
/// every reader gets every record, whether auditd runs or not. Needs CAP_AUDIT_READ in the initial user namespace.
/// Used for the seccomp records of the agents' module calls (the agents' filter logs those, and only those).
public final class AuditLogReader: Sendable {
    static let netlinkAudit: Int32 = 9
    static let readLogGroup: UInt32 = 1

    private let socket: Mutex<NetlinkSocket>
    private let fd: Int32
    private let stopping = Atomic<Bool>(false)
    private let counters = Mutex((records: 0, overruns: 0))

    public init(receiveBufferBytes: Int = 4 << 20) throws(DetectionError) {
        let netlink = try NetlinkSocket(protocol: Self.netlinkAudit, groups: Self.readLogGroup)
        _ = netlink.setReceiveBuffer(receiveBufferBytes)
        fd = netlink.fd
        socket = Mutex(netlink)
    }

    /// Records read, and ENOBUFS overruns (records the socket lost).
    public var statistics: (records: Int, overruns: Int) { counters.withLock { $0 } }

    /// Reads until ``stop()``, calling `handler` with each seccomp record, on the calling thread.
    public func run(_ handler: (SeccompRecord) -> Void) throws(DetectionError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !stopping.load(ordering: .relaxed) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR { throw DetectionError.system("poll the audit socket", errno) }
            guard ready > 0 else { continue }
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if received < 0 {
                if errno == ENOBUFS { counters.withLock { $0.overruns += 1 } }
                if errno == EAGAIN || errno == EINTR || errno == ENOBUFS { continue }
                throw DetectionError.system("recv from the audit socket", errno)
            }
            for record in Self.seccompRecords(buffer[0..<received]) {
                counters.withLock { $0.records += 1 }
                handler(record)
            }
        }
    }

    /// The seccomp records in one datagram; every length is checked against it.
    public static func seccompRecords(_ bytes: ArraySlice<UInt8>) -> [SeccompRecord] {
        NetlinkMessage.headers(in: bytes).compactMap { header in
            guard header.type == SeccompRecord.auditType, header.payload <= header.end else { return nil }
            return SeccompRecord(text: bytes[header.payload..<header.end])
        }
    }

    /// Ends ``run(_:)`` within 250 ms.
    public func stop() { stopping.store(true, ordering: .relaxed) }
}
