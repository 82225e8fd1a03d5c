import NIOCore
import NIOPosix

/// One exchange with one server on the caller's event loop: a socket carrying the forwarder's packet mark (only
/// marked packets may leave on port 53; nil: no mark, as for the egress proxy's questions to the forwarder), the
/// query sent, and the first response `accept` takes — or nil once
/// `timeout` has passed, the connection failed, or four wrong responses came. Nothing blocks: a server that never
/// answers holds one socket and one timer, not a thread.
enum DNSUpstream {
    static func exchange(
        _ query: [UInt8], with server: NIOCore.SocketAddress, overTCP: Bool, mark: UInt32?, timeout: TimeAmount,
        on loop: any EventLoop, accept: @escaping @Sendable ([UInt8]) -> [UInt8]?
    ) -> EventLoopFuture<[UInt8]?> {
        loop.preconditionInEventLoop()
        let outcome = Outcome(loop.makePromise(of: [UInt8]?.self))
        let timer = loop.scheduleTask(in: timeout) { outcome.settle(nil) }
        let markOption = ChannelOptions.socketOption(.init(rawValue: SO_MARK))
        let connected: EventLoopFuture<any Channel>
        if overTCP {
            var bootstrap = ClientBootstrap(group: loop)
            if let mark {
                bootstrap = bootstrap.channelOption(markOption, value: SocketOptionValue(Int32(bitPattern: mark)))
            }
            connected = bootstrap.connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(StreamResponse(outcome: outcome, accept: accept))
                    }
                }
                .connect(to: server)
        } else {
            var bootstrap = DatagramBootstrap(group: loop)
            if let mark {
                bootstrap = bootstrap.channelOption(markOption, value: SocketOptionValue(Int32(bitPattern: mark)))
            }
            connected = bootstrap.channelOption(
                .recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DNSMessage.maximumSize)
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DatagramResponse(outcome: outcome, accept: accept))
                }
            }
            .connect(to: server)
        }
        connected.whenComplete { result in
            switch result {
            case .failure:
                outcome.settle(nil)
            case .success(let channel):
                var buffer = channel.allocator.buffer(capacity: query.count + 2)
                if overTCP {
                    buffer.writeInteger(UInt16(query.count))
                    buffer.writeBytes(query)
                    channel.writeAndFlush(buffer, promise: nil)
                } else {
                    buffer.writeBytes(query)
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer), promise: nil)
                }
                outcome.future.whenComplete { _ in channel.close(promise: nil) }
            }
        }
        outcome.future.whenComplete { _ in timer.cancel() }
        return outcome.future
    }
}

/// A promise settled at most once, from the loop only (the timer, the handler and a failed connect race for it).
final class Outcome: @unchecked Sendable {
    // @unchecked: `done` is read and written only on the promise's event loop.
    private let promise: EventLoopPromise<[UInt8]?>
    private var done = false

    init(_ promise: EventLoopPromise<[UInt8]?>) { self.promise = promise }

    var future: EventLoopFuture<[UInt8]?> { promise.futureResult }

    /// Whether this call settled it (false: it was settled already).
    @discardableResult
    func settle(_ value: [UInt8]?) -> Bool {
        promise.futureResult.eventLoop.preconditionInEventLoop()
        guard !done else { return false }
        done = true
        promise.succeed(value)
        return true
    }
}

/// The server's datagrams on a connected socket (the kernel drops other senders'): the first one `accept` takes.
private final class DatagramResponse: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let outcome: Outcome
    let accept: @Sendable ([UInt8]) -> [UInt8]?
    private var wrong = 0

    init(outcome: Outcome, accept: @escaping @Sendable ([UInt8]) -> [UInt8]?) {
        self.outcome = outcome
        self.accept = accept
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(buffer: unwrapInboundIn(data).data)
        if let reply = accept(bytes) {
            outcome.settle(reply)
        } else {
            wrong += 1
            if wrong >= 4 { outcome.settle(nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { outcome.settle(nil) }
}

/// The server's two-byte-length-framed response over TCP.
private final class StreamResponse: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let outcome: Outcome
    let accept: @Sendable ([UInt8]) -> [UInt8]?
    private var received = ByteBuffer()

    init(outcome: Outcome, accept: @escaping @Sendable ([UInt8]) -> [UInt8]?) {
        self.outcome = outcome
        self.accept = accept
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        guard let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
            received.readableBytes >= 2 + Int(length)
        else { return }
        let bytes = received.getBytes(at: received.readerIndex + 2, length: Int(length)) ?? []
        outcome.settle(accept(bytes))
    }

    func channelInactive(context: ChannelHandlerContext) { outcome.settle(nil) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { outcome.settle(nil) }
}
