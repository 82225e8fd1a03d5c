#if canImport(Glibc)
import Glibc
#endif

extension IPAddress {
    /// The addresses of every interface in the calling thread's network namespace, loopback included (a netlink
    /// dump through `getifaddrs`; empty when it fails).
    public static func interfaceAddresses() -> Set<IPAddress> {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return [] }
        defer { freeifaddrs(first) }
        var addresses: Set<IPAddress> = []
        var current = first
        while let entry = current {
            defer { current = entry.pointee.ifa_next }
            if let address = entry.pointee.ifa_addr.flatMap { IPAddress(socketAddress: $0) } {
                addresses.insert(address)
            }
        }
        return addresses
    }

    /// The address of an IPv4 or IPv6 socket address (nil for another family).
    public init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            self = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                IPAddress(ipv4: UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
            }
        case AF_INET6:
            self = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                var bytes = $0.pointee.sin6_addr
                return IPAddress(ipv6Bytes: withUnsafeBytes(of: &bytes) { Array($0) })
            }
        default:
            return nil
        }
    }

    /// 127.0.0.0/8 or ::1.
    public var isLoopback: Bool {
        if let ipv4 { return ipv4 >> 24 == 127 }
        return high == 0 && low == 1
    }
}
