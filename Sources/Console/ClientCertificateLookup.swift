import Hummingbird

/// Puts the connection's client certificate, if any, into the context (before the session lookup, which checks a
/// certificate-bound session against it).
struct ClientCertificateLookup: RouterMiddleware {
    typealias Context = ConsoleContext

    func handle(
        _ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.clientCertificate = await ClientCertificate.of(context.channel)
        return try await next(request, context)
    }
}
