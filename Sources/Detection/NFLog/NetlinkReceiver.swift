#if canImport(Glibc)
import Glibc
#endif

/// The read loop every kernel event socket shares (NFLOG, conntrack, the proc connector): wait up to 250 ms for
/// data, read what is waiting without blocking — at most `batch` datagrams a turn, so `idle` still runs under a
/// flood — and count each ENOBUFS (the receive buffer overflowed: events were lost) instead of failing on it.
struct NetlinkReceiver {
    let fd: Int32
    /// Named in errors ("the conntrack socket").
    let what: String
    let bufferBytes: Int
    var batch = 4_096

    /// Runs until `stopping()` says so, on the calling thread.
    func run(
        stopping: () -> Bool, overrun: () -> Void, idle: () -> Void,
        datagram: (UnsafeRawBufferPointer) -> Void
    ) throws(DetectionError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferBytes, alignment: 8)
        defer { buffer.deallocate() }
        while !stopping() {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR { throw DetectionError.system("poll \(what)", errno) }
            if ready > 0 { try drain(buffer, overrun: overrun, datagram: datagram) }
            idle()
        }
    }

    private func drain(
        _ buffer: UnsafeMutableRawBufferPointer, overrun: () -> Void, datagram: (UnsafeRawBufferPointer) -> Void
    ) throws(DetectionError) {
        for _ in 0..<batch {
            let received = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if received < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR: continue
                case ENOBUFS:
                    overrun()
                    continue
                default: throw DetectionError.system("recv from \(what)", errno)
                }
            }
            datagram(UnsafeRawBufferPointer(rebasing: buffer[0..<received]))
        }
    }
}
