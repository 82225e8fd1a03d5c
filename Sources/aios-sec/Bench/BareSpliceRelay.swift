import CNftables
import Firewall
import Foundation

/// The benchmark's second anchor: the least any relay in user space can do — read a `CONNECT` head, connect, answer
/// `200`, then move the bytes with `splice(2)` on a thread per direction (no copy through user space; no policy,
/// accounting, limits or TLS check). What the proxy loses against it is its own cost; what this loses against a
/// direct connection, the cost of a second TCP connection and a third busy thread on the machine's cores, which no
/// relay avoids.
final class BareSpliceRelay: Sendable {
    private let listener: Int32

    /// Listens on 127.0.0.1:`port` in `agent`'s namespace; connects to `destination` from `outbound`'s.
    init(in agent: NamespaceThread, port: UInt16, outbound: NamespaceThread, destination: sockaddr_in) throws {
        listener = try EgressProxy.listeningSocket(in: agent, port: port)
        let listener = listener
        Thread.detachNewThread {
            while true {
                let accepted = accept(listener, nil, nil)
                guard accepted >= 0 else { return }
                Self.relay(accepted, to: destination, from: outbound)
            }
        }
    }

    /// Ends the accepting thread (its `accept` fails); relays under way end with their connections.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func relay(_ agent: Int32, to destination: sockaddr_in, from outbound: NamespaceThread) {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !(head.count >= 4 && head.suffix(4).elementsEqual([13, 10, 13, 10])) {
            guard recv(agent, &byte, 1, 0) == 1 else {
                close(agent)
                return
            }
            head.append(byte)
        }
        let peer = outbound.run { () -> Int32 in
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = destination
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                close(descriptor)
                return -1
            }
            return descriptor
        }
        guard peer >= 0 else {
            close(agent)
            return
        }
        let answer = Array("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".utf8)
        _ = answer.withUnsafeBytes { send(agent, $0.baseAddress, $0.count, 0) }
        // Each socket is closed once both directions are done with it.
        let done = DispatchGroup()
        for (from, to) in [(agent, peer), (peer, agent)] {
            done.enter()
            Thread.detachNewThread {
                pump(from, to)
                done.leave()
            }
        }
        done.notify(queue: .global()) {
            close(agent)
            close(peer)
        }
    }

    /// Moves bytes from `from` to `to` through a pipe until `from` ends, then ends `to`'s sending side.
    private static func pump(_ from: Int32, _ to: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        defer { ends.forEach { close($0) } }
        _ = aios_pipe_size(ends[1], 1 << 20)
        while true {
            let moved = aios_splice(from, ends[1], 1 << 20)
            guard moved > 0 else { break }
            var left = moved
            while left > 0 {
                let out = aios_splice(ends[0], to, UInt(left))
                guard out > 0 else { return }
                left -= out
            }
        }
        shutdown(to, Int32(SHUT_WR))
    }
}
