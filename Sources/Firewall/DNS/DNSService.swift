import NIOCore
import Policy

/// The forwarder's work on its event loop: limits, the whole-query deadline, the servers tried in turn.
final class DNSService: Sendable {
    let configuration: DNSForwarder.Configuration
    let resolution: DNSResolution
    let limits: DNSLimits
    let loop: any EventLoop
    private let servers: [NIOCore.SocketAddress]

    init(configuration: DNSForwarder.Configuration, resolution: DNSResolution, loop: any EventLoop) {
        self.configuration = configuration
        self.resolution = resolution
        self.loop = loop
        limits = DNSLimits(loop: loop, configuration: configuration)
        servers = configuration.servers.compactMap {
            try? NIOCore.SocketAddress(ipAddress: $0.description, port: Int(configuration.serverPort))
        }
    }

    /// Answers one query from `client` through `reply` (not at all for what is not even a DNS header): at once
    /// when refused, malformed or over a limit; else with the first valid server answer, or SERVFAIL when the
    /// servers fail or the query's deadline passes first.
    func handle(
        _ query: [UInt8], from client: NIOCore.SocketAddress, overTCP: Bool,
        reply: @escaping @Sendable ([UInt8]) -> Void
    ) {
        loop.preconditionInEventLoop()
        let parsed: DNSMessage
        switch resolution.decide(query) {
        case .reply(let immediate):
            if let immediate { reply(immediate) }
            return
        case .forward(let message):
            parsed = message
        }
        let who = DNSLimits.key(for: client)
        guard limits.admitQuery(who) else {
            resolution.counters.count(\.limited)
            reply(DNSResolution.failure(to: query, parsed: parsed))
            return
        }
        let answer = Outcome(loop.makePromise(of: [UInt8]?.self))
        let counters = resolution.counters
        let deadline = loop.scheduleTask(in: configuration.queryDeadline.timeAmount) {
            if answer.settle(nil) { counters.count(\.timedOut) }
        }
        // The upstream work is counted until it ends (each server try has its own timeout), not only until the
        // client is answered: the total bound holds even for queries whose deadline passed.
        let limits = self.limits
        ask(query, parsed: parsed, overTCP: overTCP, from: 0).whenComplete { result in
            limits.finishQuery(who)
            let value = (try? result.get()) ?? nil
            if answer.settle(value), value == nil { counters.count(\.failed) }
        }
        answer.future.whenSuccess { value in
            deadline.cancel()
            reply(value ?? DNSResolution.failure(to: query, parsed: parsed))
        }
    }

    /// Tries the servers from `index` on until one gives a valid answer.
    private func ask(_ query: [UInt8], parsed: DNSMessage, overTCP: Bool, from index: Int) -> EventLoopFuture<[UInt8]?>
    {
        guard index < servers.count else { return loop.makeSucceededFuture(nil) }
        let upstreamID = UInt16.random(in: 0...UInt16.max)
        var outgoing = query
        outgoing[0] = UInt8(upstreamID >> 8)
        outgoing[1] = UInt8(upstreamID & 0xFF)
        let resolution = self.resolution
        let timeout = configuration.timeout.timeAmount
        return DNSUpstream.exchange(
            outgoing, with: servers[index], overTCP: overTCP, mark: configuration.mark, timeout: timeout, on: loop
        ) { response in
            resolution.complete(query: query, parsed: parsed, response: response, upstreamID: upstreamID)
        }.flatMap { [self] reply in
            reply.map { loop.makeSucceededFuture($0) } ?? ask(query, parsed: parsed, overTCP: overTCP, from: index + 1)
        }
    }
}

extension Duration {
    /// The same length as NIO's `TimeAmount`.
    var timeAmount: TimeAmount { .nanoseconds(Int64(self / .nanoseconds(1))) }
}
