#if canImport(Glibc)
import Glibc
#endif

/// A raw netlink socket: the few calls nfnetlink_log (NETLINK_NETFILTER) and the proc connector (NETLINK_CONNECTOR)
/// need, with `sockaddr_nl` built by hand (Glibc does not import `linux/netlink.h`).
final class NetlinkSocket {
    static let netfilter: Int32 = 12
    static let connector: Int32 = 11
    let fd: Int32
    private var sequence: UInt32 = 1

    /// `groups`: the multicast groups to join at bind (the proc connector's is 1).
    init(protocol netlinkProtocol: Int32, groups: UInt32 = 0) throws(DetectionError) {
        fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkProtocol)
        guard fd >= 0 else { throw DetectionError.system("socket(AF_NETLINK, \(netlinkProtocol))", errno) }
        var address = Self.address(groups: groups)
        let bound = address.withUnsafeMutableBytes { raw in
            bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw DetectionError.system("bind netlink socket", error)
        }
    }

    deinit { close(fd) }

    /// `sockaddr_nl`: family AF_NETLINK, padding, pid 0 (the kernel picks), the multicast groups.
    private static func address(groups: UInt32) -> [UInt8] {
        let family = UInt16(AF_NETLINK)
        return [UInt8(family & 0xFF), UInt8(family >> 8), 0, 0, 0, 0, 0, 0]
            + (0..<4).map { UInt8(truncatingIfNeeded: groups >> (8 * UInt32($0))) }
    }

    /// A large receive buffer, so a burst waits in the kernel instead of being dropped: SO_RCVBUFFORCE (needs
    /// CAP_NET_ADMIN, which reading NFLOG needs anyway) past `rmem_max`, else SO_RCVBUF up to it. Returns what the
    /// kernel granted.
    func setReceiveBuffer(_ bytes: Int) -> Int {
        var value = Int32(clamping: bytes)
        let size = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, size) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, size)
        }
        var granted: Int32 = 0
        var length = size
        _ = getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length)
        return Int(granted)
    }

    /// Sends one request with NLM_F_REQUEST|NLM_F_ACK and waits for its acknowledgement; a negative error in it
    /// is thrown.
    func request(type: UInt16, family: UInt8, resourceID: UInt16, attributes: [UInt8], what: String)
        throws(DetectionError)
    {
        sequence &+= 1
        let message = NetlinkMessage.build(
            type: type, flags: 0x0001 | 0x0004, sequence: sequence, family: family, resourceID: resourceID,
            attributes: attributes)
        let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw DetectionError.system(what, errno) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard received >= 0 else {
                if errno == EINTR { continue }
                throw DetectionError.system(what, errno)
            }
            for header in NetlinkMessage.headers(in: buffer[0..<received]) where header.type == NetlinkMessage.error {
                guard header.sequence == sequence else { continue }
                let code = NetlinkMessage.int32(buffer, at: header.payload)
                if code != 0 { throw DetectionError.system(what, -code) }
                return
            }
        }
    }
}
