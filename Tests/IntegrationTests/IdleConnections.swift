import Foundation

/// Plain TCP connections to a loopback port that never send a byte: the attacker of issue 12's point 9. Each is
/// bound to one of `sources` in turn, connected without blocking, and held until `closeAll`. They are opened in
/// batches, each awaited (writable: the handshake completed) before the next: a burst that overflows the listen
/// queue would make the kernel answer with SYN cookies and drop the final ACK, leaving client sockets that believe
/// they are connected to a server that never saw them.
final class IdleConnections {
    private var descriptors: [Int32] = []

    init(count: Int, sources: [String], port: UInt16, batch: Int = 256) throws {
        descriptors.reserveCapacity(count)
        for index in 0..<count {
            if index % batch == 0 { awaitConnected(descriptors.suffix(batch)) }
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard socket >= 0 else {
                closeAll()
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE)
            }
            descriptors.append(socket)
            var local = Self.address(sources[index % sources.count], port: 0)
            var remote = Self.address("127.0.0.1", port: port)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                closeAll()
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRNOTAVAIL)
            }
            let connected = withUnsafePointer(to: &remote) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 || errno == EINPROGRESS else {
                closeAll()
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
            }
        }
        awaitConnected(descriptors.suffix(batch))
    }

    /// Waits (up to 10 s) until the given sockets are writable: connected, or failed.
    private func awaitConnected(_ sockets: ArraySlice<Int32>) {
        var pending = sockets.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
        let deadline = Date() + 10
        while !pending.isEmpty && Date() < deadline {
            _ = poll(&pending, nfds_t(pending.count), 100)
            pending.removeAll { $0.revents != 0 }
            for index in pending.indices { pending[index].revents = 0 }
        }
    }

    /// Polls every connection until all were closed by the daemon (end of stream or reset) or the deadline
    /// passes; returns how many were.
    func waitUntilClosedByPeer(deadline: Date) -> Int {
        var open = Set(descriptors)
        var closed = 0
        var buffer = [UInt8](repeating: 0, count: 64)
        repeat {
            for socket in open {
                let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                // 0: the daemon closed it; an error other than "nothing yet" (reset, refused): also gone.
                if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINPROGRESS) {
                    open.remove(socket)
                    closed += 1
                }
            }
            if !open.isEmpty { Thread.sleep(forTimeInterval: 0.5) }
        } while !open.isEmpty && Date() < deadline
        return closed
    }

    func closeAll() {
        for socket in descriptors { close(socket) }
        descriptors = []
    }

    deinit { closeAll() }

    private static func address(_ host: String, port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        return address
    }
}
