import Capabilities
import Daemon
import Hummingbird

/// Finds the operator's session from the cookie; the routes decide what needs one. A cookie presented from another
/// address than its login, or without the client certificate its session was opened with, opens nothing (the
/// request goes on as one without a session: the login page) and is recorded — through the refusal recorder, so
/// that replaying a stolen cookie cannot fill the ledger.
struct SessionLookup: RouterMiddleware {
    typealias Context = ConsoleContext
    let sessions: ConsoleSessions
    let clock: any SecurityClock
    let refusals: RefusalRecorder

    func handle(
        _ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let cookie = request.cookies[ConsoleCookie.name]?.value,
            let session = sessions.session(cookie: cookie, now: clock.now())
        {
            let client = context.clientDescription
            if let problem = session.mismatch(client: client, certificate: context.clientCertificate) {
                await refusals.refused(.init(kind: .authentication, source: client, reason: problem)) {
                    ConsoleAudit.refusedRequest(
                        operator: session.operator, action: "console.session", from: client, reason: problem)
                }
            } else {
                context.session = session
                context.sessionCookie = cookie
            }
        }
        return try await next(request, context)
    }
}
