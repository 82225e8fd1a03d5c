import Foundation
import Policy

/// An IP address and port as a `sockaddr_in`/`sockaddr_in6`, for the forwarder's sockets.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t

    init(_ address: IPAddress, port: UInt16) {
        if address.family == .v4 {
            var value = sockaddr_in()
            value.sin_family = sa_family_t(AF_INET)
            value.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &value.sin_addr) { $0.copyBytes(from: address.bytes) }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: withUnsafeBytes(of: value) { Array($0) }) }
        } else {
            var value = sockaddr_in6()
            value.sin6_family = sa_family_t(AF_INET6)
            value.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &value.sin6_addr) { $0.copyBytes(from: address.bytes) }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: withUnsafeBytes(of: value) { Array($0) }) }
        }
    }

    init() {
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    }

    func withPointer<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }

    mutating func withMutablePointer<T>(_ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> T)
        -> T
    {
        var length = self.length
        let result = withUnsafeMutableBytes(of: &storage) {
            body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        self.length = length
        return result
    }
}

/// Small wrappers over the socket calls the forwarder makes.
enum Sockets {
    /// A socket with a receive and send timeout (so loops can notice a stop) and, when given, a packet mark.
    static func open(
        family: AddressFamily, type: Int32, timeout: Duration, mark: UInt32? = nil
    ) throws(FirewallError) -> Int32 {
        let fd = socket(family == .v4 ? AF_INET : AF_INET6, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unavailable("socket: \(String(cString: strerror(errno)))") }
        let microseconds = Int(timeout / .microseconds(1))
        var value = timeval(tv_sec: microseconds / 1_000_000, tv_usec: microseconds % 1_000_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        if var mark {
            guard setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, 4) == 0 else {
                let message = String(cString: strerror(errno))
                close(fd)
                throw .unavailable(
                    "cannot mark the forwarder's upstream socket (SO_MARK needs CAP_NET_ADMIN): \(message)")
            }
        }
        return fd
    }

    /// A listening socket bound to `address` and `port`.
    static func listen(_ address: IPAddress, port: UInt16, type: Int32) throws(FirewallError) -> Int32 {
        let fd = try open(family: address.family, type: type, timeout: .milliseconds(250))
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 4)
        let bound = SocketAddress(address, port: port).withPointer { bind(fd, $0, $1) }
        guard bound == 0, type != Int32(SOCK_STREAM.rawValue) || Glibc.listen(fd, 64) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw .unavailable("cannot listen on \(address) port \(port): \(message)")
        }
        return fd
    }

    /// Reads exactly `count` bytes from a stream, or nil on end, error or timeout.
    static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return buffer
    }

    /// Writes all of `bytes` to a stream.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            done += sent
        }
        return true
    }
}
