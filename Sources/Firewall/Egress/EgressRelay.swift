import NIOCore

/// One side of a relayed connection: what it reads is written to its partner (the other side), reading pauses
/// while the partner cannot take more (backpressure), and an end or a half-close passes across. Both sides live on
/// one event loop, so they call each other directly. `onRead` counts the bytes this side read.
final class EgressRelay: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: EgressRelay?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    private let onRead: (Int) -> Void

    private init(onRead: @escaping (Int) -> Void) {
        self.onRead = onRead
    }

    /// A pair glued to each other: the first for the agent's side, the second for the destination's.
    static func pair(agentRead: @escaping (Int) -> Void, destinationRead: @escaping (Int) -> Void) -> (
        EgressRelay, EgressRelay
    ) {
        let agent = EgressRelay(onRead: agentRead)
        let destination = EgressRelay(onRead: destinationRead)
        agent.partner = destination
        destination.partner = agent
        return (agent, destination)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        onRead(buffer.readableBytes)
        // Flushed at once, not at the read's end: the bytes a TLS-name check held back arrive in a read of their own
        // with no "read complete" after it.
        partner?.context?.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) { partner?.context?.close(promise: nil) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            partner?.context?.close(mode: .output, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
        partner?.context?.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner, partner.pendingRead {
            partner.pendingRead = false
            partner.context?.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if partner?.context?.channel.isWritable ?? false {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
