import NIOCore

/// First in an agent connection's pipeline until the tunnel is up: keeps the agent's early end of sending (a
/// half-close right after its request) from the HTTP decoder, which would drop the bytes it still holds on it; the
/// connect handler passes the end on to the destination after those bytes.
final class EgressEarlyEnd: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private(set) var seen = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            seen = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
