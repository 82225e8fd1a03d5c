import Audit
import GRPCCore
import GRPCNIOTransportHTTP2
import PKI

/// The one place a call's identity is checked (and the last stop for errors no handler mapped): a client certificate (the TLS layer already verified its chain to
/// our CA) with exactly one `spiffe://aios.local/…` URI, not on the deny-list. Anything else is refused before any
/// handler runs, and the refusal is an `authentication` entry in the ledger.
public struct IdentityInterceptor: ServerInterceptor {
    let core: DaemonCore
    /// Told of every refused caller (its transport address, e.g. `ipv4:203.0.113.5:40000`, and why): the IDS counts
    /// the product's own authentication failures per source.
    let refused: (@Sendable (_ peer: String, _ reason: String) -> Void)?

    public init(core: DaemonCore, refused: (@Sendable (_ peer: String, _ reason: String) -> Void)? = nil) {
        self.core = core
        self.refused = refused
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
        switch Caller.from(certificate, denyList: core.denyList) {
        case .success:
            do {
                return try await next(request, context)
            } catch {
                // Domain errors are mapped where they happen; anything else leaves as `internal`, with no detail.
                throw StatusMapping.unknown(error)
            }
        case .failure(let error):
            refused?(context.remotePeer, error.description)
            await core.recordOrReport(
                AuditDraft(
                    eventType: .authentication, agent: "unauthenticated", action: context.descriptor.method,
                    target: context.remotePeer, result: .denied, riskLevel: .high,
                    details: .object([
                        ("reason", .string(error.description)),
                        ("serial", certificate.map { .string($0.serialNumber.hex) } ?? .null),
                    ])))
            throw StatusMapping.error(error)
        }
    }
}
