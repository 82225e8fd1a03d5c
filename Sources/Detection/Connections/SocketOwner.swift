import Policy
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Who holds the local end of a connection: the socket's owner uid, its inode, and the cgroup it was created in
/// (cgroup v2 id: the inode number of the cgroup's directory), from the kernel's socket diagnostics (sock_diag,
/// an exact lookup by the connection's addresses and ports). A connection whose socket is already gone — a short
/// UDP exchange, a refused attempt — has no owner to find.
public struct SocketOwner: Hashable, Sendable {
    public let uid: UInt32
    public let inode: UInt32
    public let cgroupID: UInt64?
}

/// Exact sock_diag lookups over one netlink socket (NETLINK_SOCK_DIAG), in the namespace it was opened in.
public final class SocketOwnerLookup: Sendable {
    private let socket: Mutex<NetlinkSocket>
    /// Each request's number: an answer that arrives after its request gave up is recognised and skipped.
    private let sequence = Atomic<UInt32>(0)

    static let sockDiag: Int32 = 4
    static let byFamily: UInt16 = 20
    static let cgroupAttribute: UInt16 = 21

    public init(networkNamespace: String? = nil) throws(DetectionError) {
        if let networkNamespace {
            socket = Mutex(
                try NetworkNamespace.run(in: networkNamespace) { () throws(DetectionError) in
                    try NetlinkSocket(protocol: SocketOwnerLookup.sockDiag)
                })
        } else {
            socket = Mutex(try NetlinkSocket(protocol: Self.sockDiag))
        }
    }

    /// The owner of the local socket of a TCP or UDP connection between `local` and `remote`; nil when there is
    /// none (or for other protocols).
    public func owner(
        ipProtocol: UInt8, local: IPAddress, localPort: UInt16, remote: IPAddress, remotePort: UInt16
    ) -> SocketOwner? {
        guard ipProtocol == 6 || ipProtocol == 17, local.isIPv4 == remote.isIPv4 else { return nil }
        // TCP looks a socket up by (local, remote); UDP by (remote, local) — "swapped for historical reasons".
        let udp = ipProtocol == 17
        let number = sequence.add(1, ordering: .relaxed).newValue
        let request = Self.request(
            ipProtocol: ipProtocol, source: udp ? remote : local, sourcePort: udp ? remotePort : localPort,
            destination: udp ? local : remote, destinationPort: udp ? localPort : remotePort, sequence: number)
        return socket.withLock { netlink in
            let sent = request.withUnsafeBytes { send(netlink.fd, $0.baseAddress, $0.count, 0) }
            guard sent == request.count else { return nil }
            return Self.receiveAnswer(netlink.fd, sequence: number)
        }
    }

    /// `nlmsghdr` + `inet_diag_req_v2` for one exact lookup (no cookie).
    static func request(
        ipProtocol: UInt8, source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16,
        sequence: UInt32
    ) -> [UInt8] {
        var body: [UInt8] = [UInt8(source.isIPv4 ? AF_INET : AF_INET6), ipProtocol, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        body += [
            UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8),
            UInt8(destinationPort & 0xFF),
        ]
        for address in [source, destination] {
            body += address.bytes + [UInt8](repeating: 0, count: 16 - address.bytes.count)
        }
        body += [UInt8](repeating: 0, count: 4) + [UInt8](repeating: 0xFF, count: 8)
        var message: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { message += $0 } }
        append(UInt32(16 + body.count))
        append(byFamily)
        append(UInt16(1))  // NLM_F_REQUEST
        append(sequence)
        append(UInt32(0))
        return message + body
    }

    /// Reads the answer to request `sequence` (within 500 ms): the socket's `inet_diag_msg` and its cgroup
    /// attribute, or an error (ENOENT: no such socket).
    private static func receiveAnswer(_ fd: Int32, sequence: UInt32) -> SocketOwner? {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let deadline = ContinuousClock.now + .milliseconds(500)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard received >= 16 else { continue }
            guard NetlinkMessage.uint32(buffer, at: 8) == sequence else { continue }
            return buffer.withUnsafeBytes { parse(UnsafeRawBufferPointer(rebasing: $0[0..<received])) }
        }
        return nil
    }

    /// The first `inet_diag_msg` in a datagram: uid at 64, inode at 68, then attributes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> SocketOwner? {
        guard bytes.count >= 16 + 72 else { return nil }
        let length = Int(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let type = bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        guard type == byFamily, length >= 16 + 72, length <= bytes.count else { return nil }
        let uid = bytes.loadUnaligned(fromByteOffset: 16 + 64, as: UInt32.self)
        let inode = bytes.loadUnaligned(fromByteOffset: 16 + 68, as: UInt32.self)
        var cgroup: UInt64?
        NetlinkMessage.forEachAttribute(bytes, in: 16 + 72..<length) { kind, value in
            if kind == cgroupAttribute, value.count == 8 {
                cgroup = bytes.loadUnaligned(fromByteOffset: value.lowerBound, as: UInt64.self)
            }
        }
        return SocketOwner(uid: uid, inode: inode, cgroupID: cgroup)
    }
}
