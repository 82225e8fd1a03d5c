import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOTLS
import Policy

/// One agent connection to the egress proxy: reads the `CONNECT`, decides, resolves, connects, answers `200`, then
/// checks the TLS name and hands the bytes to a pair of ``EgressRelay``s. Every outcome ends in one record.
final class EgressConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case awaitingHead
        case awaitingEnd(EgressDestination)
        case connecting
        case relaying
        case done
    }

    private let proxy: EgressProxy
    private let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    private let encoder: HTTPResponseEncoder
    private var state = State.awaitingHead
    /// Holds the agent's end of sending until the tunnel is up.
    private let earlyEnd: EgressEarlyEnd
    private var log: ConnectionLog

    init(
        proxy: EgressProxy, agent: String, earlyEnd: EgressEarlyEnd,
        decoder: ByteToMessageHandler<HTTPRequestDecoder>, encoder: HTTPResponseEncoder
    ) {
        self.proxy = proxy
        self.earlyEnd = earlyEnd
        self.decoder = decoder
        self.encoder = encoder
        log = ConnectionLog(EgressConnection(agent: agent, started: .now()), record: proxy.record)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let log = log
        context.channel.closeFuture.whenComplete { _ in log.finish() }
        let timeout = proxy.configuration.requestTimeout
        context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            // A request sent slowly (its head never whole) holds a slot no longer than this.
            switch self?.state {
            case .awaitingHead?, .awaitingEnd?:
                self?.refuse(
                    .malformed("no whole CONNECT request within \(timeout.nanoseconds / 1_000_000) ms"), context)
            default:
                return
            }
        }
    }

    /// The agent's bounds are checked first: over them, nothing is read, decided or resolved.
    func channelActive(context: ChannelHandlerContext) {
        let (limiter, agent) = (proxy.limiter, log.connection.agent)
        if let refusal = limiter.acquire(agent) {
            refuse(refusal, context)
        } else {
            log.onFinish = { limiter.release(agent) }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .awaitingHead):
            guard head.method == .CONNECT else {
                refuse(.malformed("only CONNECT is served, got \(head.method.rawValue)"), context)
                return
            }
            let destination: EgressDestination
            do {
                destination = try EgressDestination(authority: head.uri)
            } catch {
                refuse(error, context)
                return
            }
            log.connection.destination = destination
            switch proxy.authorize(log.connection.agent, destination) {
            case .deny(let missing):
                refuse(.notAllowed(missing: missing), context)
            case .allow(let capability):
                log.connection.capability = capability
                state = .awaitingEnd(destination)
            }
        case (.end, .awaitingEnd(let destination)):
            state = .connecting
            resolve(destination, context)
        default:
            break  // a body of the CONNECT, or anything after a refusal: ignored
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .awaitingHead = state {
            refuse(.malformed("not an HTTP request"), context)
        } else {
            context.close(promise: nil)
        }
    }

    private func resolve(_ destination: EgressDestination, _ context: ChannelHandlerContext) {
        let resolved: EventLoopFuture<[IPAddress]>
        if destination.isAddress {
            guard let address = IPAddress(destination.host) else {
                refuse(.malformed("\(destination.host) is not an address"), context)
                return
            }
            resolved = context.eventLoop.makeSucceededFuture([address])
        } else {
            resolved = proxy.resolve(destination.host, context.eventLoop)
        }
        resolved.hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            let addresses: [IPAddress]
            switch result {
            case .success(let found): addresses = found
            case .failure(let refusal as EgressRefusal):
                self.refuse(refusal, context)
                return
            case .failure(let error):
                self.refuse(.noUsableAddress("\(destination.host) does not resolve (\(error))"), context)
                return
            }
            // On the loop's thread, in the outbound namespace: its own interfaces' addresses are refused too.
            let local = IPAddress.interfaceAddresses()
            let usable = addresses.filter { EgressProxy.isUsable($0) && !local.contains($0) }.compactMap {
                try? SocketAddress(ipAddress: $0.description, port: destination.port)
            }
            guard !usable.isEmpty else {
                let why =
                    addresses.isEmpty
                    ? "\(destination.host) does not resolve"
                    : "\(destination.host) resolves only to addresses the proxy never connects to (this machine's, "
                        + addresses.prefix(4).map(\.description).joined(separator: ", ") + ")"
                self.refuse(.noUsableAddress(why), context)
                return
            }
            self.connect(usable[...], destination, context)
        }
    }

    private func connect(
        _ addresses: ArraySlice<SocketAddress>, _ destination: EgressDestination, _ context: ChannelHandlerContext
    ) {
        guard let address = addresses.first else { return }
        log.connection.address = address.ipAddress
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(proxy.configuration.connectTimeout)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.recvAllocator, value: EgressProxy.relayReads)
            .connect(to: address)
            .assumeIsolatedUnsafeUnchecked()
            .whenComplete { result in
                switch result {
                case .success(let peer):
                    self.glue(peer, destination, context)
                case .failure(let error):
                    if addresses.count > 1 {
                        self.connect(addresses.dropFirst(), destination, context)
                    } else {
                        self.refuse(.unreachable("\(address.ipAddress ?? "?"):\(destination.port): \(error)"), context)
                    }
                }
            }
    }

    /// Answers 200, then turns the agent's channel into a relay: the HTTP handlers go (bytes the agent sent after
    /// its request are passed on), a TLS name check comes first, and the two relays are glued.
    private func glue(_ peer: any Channel, _ destination: EgressDestination, _ context: ChannelHandlerContext) {
        guard context.channel.isActive else {
            peer.close(promise: nil)
            return
        }
        state = .relaying
        let log = log
        let (authorize, agent) = (proxy.authorize, log.connection.agent)
        let tunnel = EgressTunnels.Tunnel(log: log, agent: context.channel, peer: peer) {
            authorize(agent, destination)
        }
        let (agentSide, destinationSide) = proxy.relayPair(for: tunnel)
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "content-length", value: "0")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        do {
            try peer.pipeline.syncOperations.addHandler(destinationSide)
            let pipeline = context.pipeline.syncOperations
            pipeline.removeHandler(encoder, promise: nil)
            let sni = ByteToMessageHandler(
                SNIHandler { [loop = context.eventLoop] result in
                    Self.checkName(result, destination, log: log, agent: context.channel, peer: peer, loop: loop)
                })
            try pipeline.addHandler(TLSSniffer(sni: sni), position: .after(decoder))
            try pipeline.addHandler(agentSide)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            pipeline.removeHandler(earlyEnd, promise: nil)
            let earlyEnd = earlyEnd
            // The decoder hands on the bytes it still holds as it goes; the agent's early end follows them.
            pipeline.removeHandler(decoder).whenComplete { _ in
                if earlyEnd.seen { peer.close(mode: .output, promise: nil) }
            }
        } catch {
            log.connection.refusal = .unreachable("relay setup: \(error)")
            peer.close(promise: nil)
            context.close(promise: nil)
        }
    }

    /// The ClientHello's name must be the `CONNECT`'s host (a name the policy checked); no TLS, or TLS without a
    /// name, passes with no name recorded. A `CONNECT` to an address literal is not checked against a name.
    private static func checkName(
        _ result: SNIResult, _ destination: EgressDestination, log: ConnectionLog, agent: any Channel,
        peer: any Channel, loop: any EventLoop
    ) -> EventLoopFuture<Void> {
        guard case .hostname(let name) = result else { return loop.makeSucceededVoidFuture() }
        let normalized = name.lowercased().hasSuffix(".") ? String(name.lowercased().dropLast()) : name.lowercased()
        log.connection.serverName = normalized
        guard destination.isAddress || normalized == destination.host else {
            log.connection.refusal = .nameMismatch(connect: destination.host, sni: normalized)
            agent.close(promise: nil)
            peer.close(promise: nil)
            return loop.makeFailedFuture(EgressRefusal.nameMismatch(connect: destination.host, sni: normalized))
        }
        return loop.makeSucceededVoidFuture()
    }

    /// Tells the agent why (a status line and the reason, never the destination's answer) and closes.
    private func refuse(_ refusal: EgressRefusal, _ context: ChannelHandlerContext) {
        guard case .done = state else {
            state = .done
            log.connection.refusal = refusal
            let status: HTTPResponseStatus =
                switch refusal {
                case .malformed: .badRequest
                case .notAllowed, .nameMismatch, .revoked: .forbidden
                case .idle: .requestTimeout
                case .noUsableAddress, .unreachable: .badGateway
                case .overLimit: .tooManyRequests
                }
            let body = context.channel.allocator.buffer(string: "aios-sec egress: \(refusal)\n")
            var head = HTTPResponseHead(version: .http1_1, status: status)
            head.headers.add(name: "content-length", value: String(body.readableBytes))
            head.headers.add(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
    }
}

/// Looks at the agent's first byte through the tunnel: a TLS handshake record (0x16) goes through the SNI check,
/// anything else passes unchecked at once (the SNI reader would wait for five bytes, stalling a short first message).
final class TLSSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let sni: ByteToMessageHandler<SNIHandler>

    init(sni: ByteToMessageHandler<SNIHandler>) { self.sni = sni }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.readableBytesView.first else { return }
        let pipeline = context.pipeline.syncOperations
        if first == 0x16 {
            do {
                try pipeline.addHandler(sni, position: .after(self))
            } catch {
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
        pipeline.removeHandler(context: context, promise: nil)
    }
}

/// The record of one connection, filled in on the event loop and handed to the proxy's `record` once, at its end.
final class ConnectionLog {
    var connection: EgressConnection
    private let record: EgressProxy.Record
    private var finished = false
    /// Run once when the connection ends (the limiter's slot given back).
    var onFinish: (() -> Void)?

    init(_ connection: EgressConnection, record: @escaping EgressProxy.Record) {
        self.connection = connection
        self.record = record
    }

    /// Records the connection as it stands, still open; ``finish()`` records it again at its end.
    func recordOpen() {
        guard !finished else { return }
        var snapshot = connection
        snapshot.stillOpen = true
        record(snapshot)
    }

    func finish() {
        guard !finished else { return }
        finished = true
        onFinish?()
        onFinish = nil
        connection.ended = .now()
        record(connection)
    }
}
