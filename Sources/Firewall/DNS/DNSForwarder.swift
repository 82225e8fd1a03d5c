import Foundation
import Policy
import Synchronization

/// The DNS forwarder the firewall forces every query through (UDP and TCP on the policy's `dns.listen`, port 53).
/// A query for a name no grant covers is answered REFUSED (no tunnelling data out through other names); an
/// allowed one goes to the configured servers from a marked socket (only marked packets may leave on port 53),
/// and the addresses of a valid answer are put into the allow sets **before** the answer is passed on, so the
/// client's first connection already finds them.
public final class DNSForwarder: Sendable {
    public struct Configuration: Sendable {
        public var listen: IPAddress
        public var port: UInt16 = 53
        public var servers: [IPAddress]
        public var serverPort: UInt16 = 53
        public var mark: UInt32
        /// How long to wait for one server before trying the next.
        public var timeout: Duration = .seconds(2)
        public var udpWorkers = 4

        public init(listen: IPAddress, servers: [IPAddress], mark: UInt32) {
            self.listen = listen
            self.servers = servers
            self.mark = mark
        }

        public init(_ settings: FirewallPolicy.DNSSettings) {
            self.init(listen: settings.listen, servers: settings.servers, mark: settings.upstreamMark)
        }
    }

    /// Counters since start.
    public struct Statistics: Sendable, Equatable {
        public var forwarded = 0
        public var refused = 0
        public var malformed = 0
        public var failed = 0
        public var learnt = 0
    }

    public let configuration: Configuration
    let allowSets: AllowSets
    private let thread: NamespaceThread
    private let running = Mutex<Running?>(nil)
    private let counters = Mutex(Statistics())

    private struct Running {
        var sockets: [Int32]
        let group: DispatchGroup
        let stop: StopFlag
    }

    public init(configuration: Configuration, allowSets: AllowSets, thread: NamespaceThread) {
        self.configuration = configuration
        self.allowSets = allowSets
        self.thread = thread
    }

    deinit { stop() }

    public var statistics: Statistics { counters.withLock { $0 } }

    /// Binds UDP and TCP in the namespace and starts serving; throws if the address is taken or no servers are
    /// configured.
    public func start() throws(FirewallError) {
        guard !configuration.servers.isEmpty else {
            throw .invalidInput("no DNS servers: set firewall.dns.servers in the policy")
        }
        let listen = configuration.listen
        let port = configuration.port
        let bound = thread.run { () -> Result<Int32, FirewallError> in
            do throws(FirewallError) {
                return .success(try Sockets.listen(listen, port: port, type: Int32(SOCK_DGRAM.rawValue)))
            } catch {
                return .failure(error)
            }
        }
        let udp = try bound.get()
        let streamBound = thread.run { () -> Result<Int32, FirewallError> in
            do throws(FirewallError) {
                return .success(try Sockets.listen(listen, port: port, type: Int32(SOCK_STREAM.rawValue)))
            } catch {
                return .failure(error)
            }
        }
        guard case .success(let tcp) = streamBound else {
            close(udp)
            return try streamBound.map { _ in () }.get()
        }
        let group = DispatchGroup()
        let flag = StopFlag()
        running.withLock { $0 = Running(sockets: [udp, tcp], group: group, stop: flag) }
        for index in 0..<configuration.udpWorkers {
            group.enter()
            thread.detach(name: "aios-dns-udp-\(index)") { [self] in
                serveUDP(udp, stop: flag)
                group.leave()
            }
        }
        group.enter()
        thread.detach(name: "aios-dns-tcp") { [self] in
            acceptTCP(tcp, stop: flag, group: group)
            group.leave()
        }
    }

    /// Stops serving and closes the sockets (waits for the loops, at most a few hundred milliseconds).
    public func stop() {
        guard
            let current = running.withLock({ state -> Running? in
                defer { state = nil }; return state
            })
        else { return }
        current.stop.set()
        current.group.wait()
        current.sockets.forEach { close($0) }
    }

    private func serveUDP(_ fd: Int32, stop: StopFlag) {
        var buffer = [UInt8](repeating: 0, count: DNSMessage.maximumSize)
        while !stop.isSet {
            var peer = SocketAddress()
            let count = peer.withMutablePointer { address, length in
                buffer.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, $0.count, 0, address, length) }
            }
            guard count > 0 else { continue }
            guard let reply = answer(Array(buffer.prefix(count)), overTCP: false) else { continue }
            _ = peer.withPointer { address, length in
                reply.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) }
            }
        }
    }

    private func acceptTCP(_ fd: Int32, stop: StopFlag, group: DispatchGroup) {
        let connections = Mutex(0)
        while !stop.isSet {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let admitted = connections.withLock { count -> Bool in
                guard count < 64 else { return false }
                count += 1
                return true
            }
            guard admitted else {
                close(client)
                continue
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            group.enter()
            thread.detach(name: "aios-dns-tcp-client") { [self] in
                // One connection may carry several queries (RFC 7766), each with a two-byte length.
                while !stop.isSet, let header = Sockets.readExactly(client, 2) {
                    let length = Int(header[0]) << 8 | Int(header[1])
                    guard length >= 12, let query = Sockets.readExactly(client, length),
                        let reply = answer(query, overTCP: true),
                        Sockets.writeAll(client, [UInt8(reply.count >> 8), UInt8(reply.count & 0xFF)] + reply)
                    else { break }
                }
                close(client)
                connections.withLock { $0 -= 1 }
                group.leave()
            }
        }
    }

    /// The reply to one query from a client (nil: no reply at all, for what is not even a DNS header).
    func answer(_ query: [UInt8], overTCP: Bool) -> [UInt8]? {
        guard let parsed = try? DNSMessage.parse(query, questionOnly: true), !parsed.isResponse, parsed.opcode == 0
        else {
            counters.withLock { $0.malformed += 1 }
            return query.count >= 12 ? DNSReply.error(to: query, questionEnd: nil, code: .formatError) : nil
        }
        guard allowSets.isAllowed(parsed.question.name) else {
            counters.withLock { $0.refused += 1 }
            return DNSReply.error(to: query, questionEnd: parsed.questionEnd, code: .refused)
        }
        for server in configuration.servers {
            let upstreamID = UInt16.random(in: 0...UInt16.max)
            var outgoing = query
            outgoing[0] = UInt8(upstreamID >> 8)
            outgoing[1] = UInt8(upstreamID & 0xFF)
            guard let response = exchange(outgoing, id: upstreamID, with: server, overTCP: overTCP),
                let message = try? DNSMessage.parse(response), message.isResponse,
                message.question == parsed.question
            else { continue }
            if message.responseCode == 0 {
                let addresses = message.addresses()
                if !addresses.isEmpty {
                    do {
                        let set = try allowSets.learn(name: parsed.question.name, addresses: addresses)
                        counters.withLock { $0.learnt += set }
                    } catch {
                        // Not in the allow set means the connection would fail: say so rather than answer.
                        counters.withLock { $0.failed += 1 }
                        return DNSReply.error(to: query, questionEnd: parsed.questionEnd, code: .serverFailure)
                    }
                }
            }
            counters.withLock { $0.forwarded += 1 }
            var reply = response
            reply[0] = query[0]
            reply[1] = query[1]
            return reply
        }
        counters.withLock { $0.failed += 1 }
        return DNSReply.error(to: query, questionEnd: parsed.questionEnd, code: .serverFailure)
    }

    /// One query to one server over a marked socket; the response whose id matches, or nil.
    private func exchange(_ query: [UInt8], id: UInt16, with server: IPAddress, overTCP: Bool) -> [UInt8]? {
        let type = overTCP ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
        guard
            let fd = try? Sockets.open(
                family: server.family, type: type, timeout: configuration.timeout, mark: configuration.mark)
        else { return nil }
        defer { close(fd) }
        let connected = SocketAddress(server, port: configuration.serverPort).withPointer { connect(fd, $0, $1) }
        guard connected == 0 else { return nil }
        if overTCP {
            guard Sockets.writeAll(fd, [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query),
                let header = Sockets.readExactly(fd, 2)
            else { return nil }
            return Sockets.readExactly(fd, Int(header[0]) << 8 | Int(header[1]))
        }
        guard query.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == query.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: DNSMessage.maximumSize)
        // A connected UDP socket only hears the server; a reply with another id is not ours.
        for _ in 0..<4 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count >= 12 else { return nil }
            if UInt16(buffer[0]) << 8 | UInt16(buffer[1]) == id { return Array(buffer.prefix(count)) }
        }
        return nil
    }
}

/// A flag the forwarder's loops poll between timeouts.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
