import NIOCore

/// Queries over UDP: each datagram is one query, answered to its sender.
final class DNSDatagramServer: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let service: DNSService

    init(service: DNSService) { self.service = service }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let client = envelope.remoteAddress
        let channel = context.channel
        service.handle(Array(buffer: envelope.data), from: client, overTCP: false) { reply in
            channel.writeAndFlush(
                AddressedEnvelope(remoteAddress: client, data: channel.allocator.buffer(bytes: reply)), promise: nil)
        }
    }
}

/// Queries over TCP (RFC 7766: several per connection, each with a two-byte length). Bounded in time, not per
/// `recv`: a query must arrive whole within the query deadline from its first byte, and a connection with no
/// query arriving or open is closed after the idle time — a client sending a byte every few seconds holds its
/// connection for one deadline, not for ever. Connections are counted per client address.
final class DNSStreamServer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let service: DNSService
    private var client: String?
    private var received = ByteBuffer()
    private var open = 0
    private var deadline: Scheduled<Void>?

    init(service: DNSService) { self.service = service }

    func channelActive(context: ChannelHandlerContext) {
        let address = DNSLimits.key(for: context.channel.remoteAddress)
        guard service.limits.admitConnection(address) else {
            service.resolution.counters.count(\.limited)
            context.close(promise: nil)
            return
        }
        client = address
        arm(context, after: service.configuration.idleTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        if let client { service.limits.finishConnection(client) }
        client = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        let wasEmpty = received.readableBytes == 0
        received.writeBuffer(&chunk)
        // The deadline of a query runs from its first byte; each complete query is handed on at once.
        if wasEmpty { arm(context, after: service.configuration.queryDeadline) }
        while let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
            received.readableBytes >= 2 + Int(length)
        {
            received.moveReaderIndex(forwardBy: 2)
            let query = received.readBytes(length: Int(length)) ?? []
            received.discardReadBytes()
            guard query.count >= 12, let remote = context.channel.remoteAddress else {
                context.close(promise: nil)
                return
            }
            open += 1
            let channel = context.channel
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let contextBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            service.handle(query, from: remote, overTCP: true) { reply in
                var buffer = channel.allocator.buffer(capacity: reply.count + 2)
                buffer.writeInteger(UInt16(reply.count))
                buffer.writeBytes(reply)
                channel.writeAndFlush(buffer, promise: nil)
                loopBound.value.answered(contextBound.value)
            }
            if received.readableBytes > 0 {
                arm(context, after: service.configuration.queryDeadline)
            } else {
                // A whole query is in: the forwarder answers it within its own deadline.
                deadline?.cancel()
                deadline = nil
            }
        }
        if received.readableBytes == 0 && open == 0 { arm(context, after: service.configuration.idleTimeout) }
    }

    private func answered(_ context: ChannelHandlerContext) {
        open -= 1
        if received.readableBytes == 0 && open == 0 { arm(context, after: service.configuration.idleTimeout) }
    }

    /// Closes the connection at `after` from now unless re-armed; while queries are open, only their own
    /// deadline applies.
    private func arm(_ context: ChannelHandlerContext, after: Duration) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: after.timeAmount) { channel.close(promise: nil) }
    }
}
