import Foundation
import NIOCore
import Policy

/// How the egress proxy turns a name into addresses. The agent has no resolver of its own (its namespace has no
/// route): every name it reaches is resolved here, by the daemon.
public enum EgressResolver {
    /// The system resolver (`getaddrinfo`, off the event loop): for a daemon that runs no DNS forwarder.
    public static let system: EgressProxy.Resolve = { host, loop in
        let promise = loop.makePromise(of: [IPAddress].self)
        DispatchQueue.global().async {
            promise.completeWith(Result { try systemAddresses(host) })
        }
        return promise.futureResult
    }

    /// A and AAAA questions to one DNS server — the daemon's forwarder: a name the firewall's outbound names do not
    /// cover is refused there, and the addresses of an answer enter the firewall's allow sets before the proxy
    /// connects, so the agent's connection passes the same outbound rules as everyone's. Asked over UDP, again over
    /// TCP when an answer is truncated; `timeout` bounds each exchange.
    public static func server(_ server: IPAddress, port: UInt16 = 53, timeout: TimeAmount = .seconds(5))
        -> EgressProxy.Resolve
    {
        let address = try? SocketAddress(ipAddress: server.description, port: Int(port))
        return { host, loop in
            guard let address else {
                return loop.makeFailedFuture(EgressRefusal.noUsableAddress("no DNS server at \(server):\(port)"))
            }
            return loop.flatSubmit {
                let questions = [UInt16(1), 28].map { type in
                    ask(host, type: type, server: address, overTCP: false, timeout: timeout, on: loop)
                }
                return EventLoopFuture.whenAllComplete(questions, on: loop).flatMapThrowing { results in
                    try combine(results, host: host, server: "\(server)")
                }
            }
        }
    }

    /// One question's answer, parsed (over TCP again when the UDP answer was truncated).
    private static func ask(
        _ host: String, type: UInt16, server: SocketAddress, overTCP: Bool, timeout: TimeAmount,
        on loop: any EventLoop
    ) -> EventLoopFuture<DNSMessage> {
        let id = UInt16.random(in: 0...UInt16.max)
        guard let query = DNSMessage.query(id: id, name: host, type: type) else {
            return loop.makeFailedFuture(EgressRefusal.noUsableAddress("\(host) cannot be asked in DNS"))
        }
        return DNSUpstream.exchange(
            query, with: server, overTCP: overTCP, mark: nil, timeout: timeout, on: loop
        ) { response in
            // The answer to this question only: a stray or forged datagram is skipped, not taken.
            guard let parsed = try? DNSMessage.parse(response), parsed.isResponse, parsed.id == id,
                parsed.question.name == host, parsed.question.type == type
            else { return nil }
            return response
        }.flatMapThrowing { response -> DNSMessage? in
            guard let response else { return nil }
            return try DNSMessage.parse(response)
        }.flatMap { message in
            guard let message else {
                return loop.makeFailedFuture(EgressRefusal.noUsableAddress("\(host): no answer from the DNS server"))
            }
            if message.isTruncated && !overTCP {
                return ask(host, type: type, server: server, overTCP: true, timeout: timeout, on: loop)
            }
            return loop.makeSucceededFuture(message)
        }
    }

    /// Both questions' addresses; a refusal or a failure of both is the reason the agent is told.
    private static func combine(_ results: [Result<DNSMessage, any Error>], host: String, server: String) throws
        -> [IPAddress]
    {
        var addresses: [IPAddress] = []
        var reasons: [String] = []
        for result in results {
            switch result {
            case .success(let message) where message.responseCode == 0:
                addresses += message.addresses().map(\.address)
            case .success(let message) where message.responseCode == 5:
                throw EgressRefusal.noUsableAddress(
                    "the DNS forwarder (\(server)) refused \(host): the firewall's outbound names do not cover it")
            case .success(let message):
                reasons.append(
                    message.responseCode == 3 ? "\(host) does not exist" : "DNS error \(message.responseCode)")
            case .failure(let error):
                reasons.append("\(error)")
            }
        }
        guard !addresses.isEmpty else {
            throw EgressRefusal.noUsableAddress(reasons.first ?? "\(host) has no address")
        }
        var seen: Set<IPAddress> = []
        return addresses.filter { seen.insert($0).inserted }
    }

    static func systemAddresses(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, nil, &hints, &list)
        guard code == 0, let first = list else {
            throw EgressRefusal.noUsableAddress("\(host) does not resolve (\(String(cString: gai_strerror(code))))")
        }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            defer { next = entry.pointee.ai_next }
            if let address = entry.pointee.ai_addr.flatMap { IPAddress(socketAddress: $0) } {
                addresses.append(address)
            }
        }
        return addresses
    }
}
