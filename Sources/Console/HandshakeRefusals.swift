import Audit
import Daemon
import NIOCore
import NIOSSL

/// Records failed TLS handshakes — among them a client certificate from another CA, an expired one, or one the
/// client cannot prove it holds — through the refusal recorder (the first of an address in a window in full, the
/// rest counted), so that the console's refusals before any page are in the ledger too, without a flood filling it.
final class HandshakeRefusals: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    static let reason = "TLS handshake failed"

    let refusals: RefusalRecorder

    init(refusals: RefusalRecorder) { self.refusals = refusals }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .handshakeFailed? = error as? NIOSSLError {
            let client = context.channel.remoteAddress?.ipAddress.map(AllowedClients.unmapped) ?? "unknown"
            let refusals = self.refusals
            let key = RefusalTally.Key(
                kind: .authentication, source: PeerSource(context.channel.remoteAddress).name, reason: Self.reason)
            let draft = AuditDraft(
                eventType: .authentication, agent: "unauthenticated", action: "console.tls", target: client,
                result: .denied, riskLevel: .high,
                details: .object([("reason", .string(Self.reason))]))
            Task { await refusals.refused(key) { draft } }
        }
        context.fireErrorCaught(error)
    }
}
