import Capabilities
import Hummingbird

/// Finds the operator's session from the cookie; the routes decide what needs one.
struct SessionLookup: RouterMiddleware {
    typealias Context = ConsoleContext
    let sessions: ConsoleSessions
    let clock: any SecurityClock

    func handle(
        _ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let cookie = request.cookies[ConsoleCookie.name]?.value,
            let session = sessions.session(cookie: cookie, now: clock.now())
        {
            context.session = session
            context.sessionCookie = cookie
        }
        return try await next(request, context)
    }
}
