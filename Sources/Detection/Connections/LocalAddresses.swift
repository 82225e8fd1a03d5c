import Policy
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// This network namespace's own addresses (every interface's, loopback included), read again at most every
/// `refresh`: a connection's direction is whether its ends are among them.
public final class LocalAddresses: Sendable {
    private let cache: Mutex<(addresses: Set<IPAddress>, readAt: ContinuousClock.Instant?)> = Mutex(([], nil))
    private let refresh: Duration

    public init(refresh: Duration = .seconds(10)) {
        self.refresh = refresh
    }

    public func contains(_ address: IPAddress) -> Bool {
        if Self.isLoopback(address) { return true }
        return cache.withLock { cache in
            let now = ContinuousClock.now
            if cache.readAt.map({ now - $0 > refresh }) ?? true {
                cache.addresses = Self.read()
                cache.readAt = now
            }
            return cache.addresses.contains(address)
        }
    }

    static func isLoopback(_ address: IPAddress) -> Bool {
        if let ipv4 = address.ipv4 { return ipv4 >> 24 == 127 }
        return address == loopbackIPv6
    }

    private static let loopbackIPv6 = IPAddress(high: 0, low: 1)

    static func read() -> Set<IPAddress> {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return [] }
        defer { freeifaddrs(first) }
        var addresses: Set<IPAddress> = []
        var current = first
        while let entry = current {
            defer { current = entry.pointee.ifa_next }
            guard let socketAddress = entry.pointee.ifa_addr else { continue }
            switch Int32(socketAddress.pointee.sa_family) {
            case AF_INET:
                socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    addresses.insert(IPAddress(ipv4: UInt32(bigEndian: $0.pointee.sin_addr.s_addr)))
                }
            case AF_INET6:
                socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    var bytes = $0.pointee.sin6_addr
                    addresses.insert(IPAddress(ipv6Bytes: withUnsafeBytes(of: &bytes) { Array($0) }))
                }
            default: continue
            }
        }
        return addresses
    }
}
