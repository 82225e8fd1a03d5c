import Daemon
import Hummingbird

/// Refuses, before anything else is read, a peer outside ``AllowedClients``. Each refusal is recorded through the
/// refusal recorder: the first of an address in a window in full, the rest as one summary, so a flood of requests
/// from outside cannot fill the ledger.
struct ClientAddressCheck: RouterMiddleware {
    typealias Context = ConsoleContext
    let allowed: AllowedClients
    let refusals: RefusalRecorder

    static let reason = "outside loopback and the management subnets"

    func handle(
        _ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response
    ) async throws -> Response {
        guard allowed.allows(context.remoteAddress) else {
            let client = context.clientDescription
            let source = PeerSource(context.remoteAddress).name
            await refusals.refused(.init(kind: .connection, source: source, reason: Self.reason)) {
                ConsoleAudit.refusedRequest(
                    operator: nil, action: "console.connect", from: client, reason: Self.reason)
            }
            return Response(
                status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(
                    byteBuffer: .init(string: "The console answers only loopback and the management subnets.\n")))
        }
        return try await next(request, context)
    }
}
