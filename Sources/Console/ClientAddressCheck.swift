import Hummingbird

/// Refuses, before anything else is read, a peer outside ``AllowedClients``.
struct ClientAddressCheck: RouterMiddleware {
    typealias Context = ConsoleContext
    let allowed: AllowedClients

    func handle(
        _ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response
    ) async throws -> Response {
        guard allowed.allows(context.remoteAddress) else {
            return Response(
                status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(
                    byteBuffer: .init(string: "The console answers only loopback and the management subnets.\n")))
        }
        return try await next(request, context)
    }
}
