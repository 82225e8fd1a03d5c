import Foundation
import NIOCore

/// The addresses of the interfaces in the calling thread's network namespace: the proxy never connects to one of
/// them, since that reaches the daemon's machine itself (its services listening on every address, the web console)
/// from inside, whatever name pointed there. Read at each decision (a netlink dump), so an address added later
/// counts at once.
enum LocalAddresses {
    static func current() -> Set<[UInt8]> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(first) }
        var found: Set<[UInt8]> = []
        var next: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = next {
            if let address = entry.pointee.ifa_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        found.insert(withUnsafeBytes(of: $0.pointee.sin_addr.s_addr) { Array($0) })
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        found.insert(withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) })
                    }
                default: break
                }
            }
            next = entry.pointee.ifa_next
        }
        return found
    }
}
