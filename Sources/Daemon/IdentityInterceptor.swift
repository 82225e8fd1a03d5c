import Audit
import GRPCCore
import GRPCNIOTransportHTTP2
import PKI

/// The one place a call's identity is checked (and the last stop for errors no handler mapped): a client
/// certificate (the TLS layer already verified its chain to our CA) with exactly one `spiffe://aios.local/…` URI, not
/// on the deny-list. Anything else is refused before any handler runs; the refusal is an `authentication` entry in
/// the ledger, aggregated per source address and reason (`RefusalTally`) so a flood of refusals adds two entries a
/// window, not one each.
///
/// An identified call then passes `CallBounds` (its caller's rate budget, the size of every request field) before
/// its handler reads anything.
public struct IdentityInterceptor: ServerInterceptor {
    let core: DaemonCore
    let recorder: RefusalRecorder
    let bounds: CallBounds
    /// Told of every refused caller (its transport address, e.g. `ipv4:203.0.113.5:40000`, and why): the IDS counts
    /// the product's own authentication failures per source.
    let refused: (@Sendable (_ peer: String, _ reason: String) -> Void)?

    public init(
        core: DaemonCore, recorder: RefusalRecorder? = nil, budgets: CallBudgets? = nil,
        refused: (@Sendable (_ peer: String, _ reason: String) -> Void)? = nil
    ) {
        self.core = core
        let recorder = recorder ?? RefusalRecorder(core: core)
        self.recorder = recorder
        bounds = CallBounds(
            core: core, recorder: recorder, budgets: budgets ?? .standard(policy: core.policy.rateLimit))
        self.refused = refused
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
        switch Caller.from(certificate, denyList: core.denyList) {
        case .success(let caller):
            do {
                let bounded = try await bounds.admit(request, from: caller, method: context.descriptor.method)
                return try await next(bounded, context)
            } catch {
                // Domain errors are mapped where they happen; anything else leaves as `internal`, with no detail.
                throw StatusMapping.unknown(error)
            }
        case .failure(let error):
            refused?(context.remotePeer, error.description)
            let key = RefusalTally.Key(
                kind: .authentication, source: Self.sourceAddress(ofPeer: context.remotePeer), reason: error.reasonClass
            )
            await recorder.refused(key) {
                AuditDraft(
                    eventType: .authentication, agent: "unauthenticated", action: context.descriptor.method,
                    target: context.remotePeer, result: .denied, riskLevel: .high,
                    details: .object([
                        ("reason", .string(error.description)),
                        ("serial", certificate.map { .string($0.serialNumber.hex) } ?? .null),
                    ]))
            }
            throw StatusMapping.error(error)
        }
    }

    /// gRPC's peer text without the port: `ipv4:203.0.113.5:40000` → `ipv4:203.0.113.5`, `ipv6:[::1]:4` →
    /// `ipv6:[::1]`; a Unix-socket peer as it is.
    static func sourceAddress(ofPeer peer: String) -> String {
        if peer.hasPrefix("ipv4:"), let colon = peer.lastIndex(of: ":"),
            colon > peer.index(peer.startIndex, offsetBy: 4)
        {
            return String(peer[..<colon])
        }
        if peer.hasPrefix("ipv6:["), let close = peer.firstIndex(of: "]") { return String(peer[...close]) }
        return peer
    }
}

extension CallerError {
    /// The refusal's class, the key refusals are aggregated under (never a value the peer chose).
    var reasonClass: String {
        switch self {
        case .noCertificate: "no certificate"
        case .noIdentity: "no identity"
        case .revoked: "revoked"
        }
    }
}
