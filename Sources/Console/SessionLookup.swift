import Capabilities
import Daemon
import Hummingbird
import PKI

/// Finds the operator's session from the cookie; the routes decide what needs one. A cookie presented from another
/// address than its login, or without the client certificate its session was opened with, opens nothing (the
/// request goes on as one without a session: the login page) and is recorded — through the refusal recorder, so
/// that replaying a stolen cookie cannot fill the ledger. A session opened with a certificate ends when that
/// certificate is revoked or expires: a revocation takes effect at the next request, not at the session's expiry.
struct SessionLookup: RouterMiddleware {
    typealias Context = ConsoleContext
    let sessions: ConsoleSessions
    let clock: any SecurityClock
    let refusals: RefusalRecorder
    let denyList: DenyList

    func handle(
        _ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let cookie = request.cookies[ConsoleCookie.name]?.value,
            let session = sessions.session(cookie: cookie, now: clock.now())
        {
            let client = context.clientDescription
            if session.certificate != nil, let presented = context.clientCertificate,
                let ended = ended(presented)
            {
                sessions.close(cookie: cookie)
                let source = PeerSource(context.remoteAddress).name
                await refusals.refused(.init(kind: .authentication, source: source, reason: ended)) {
                    ConsoleAudit.refusedRequest(
                        operator: session.operator, action: "console.session", from: client, reason: ended)
                }
            } else if let problem = session.mismatch(client: client, certificate: context.clientCertificate) {
                let source = PeerSource(context.remoteAddress).name
                await refusals.refused(.init(kind: .authentication, source: source, reason: problem)) {
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

    /// Why the certificate a session was opened with no longer holds it open, or nil.
    private func ended(_ presented: ClientCertificate) -> String? {
        if denyList.reason(for: presented.certificate) != nil { return "the session's certificate was revoked" }
        let now = clock.now().millisecondsSinceEpoch
        let notAfter = Int64(presented.certificate.notValidAfter.timeIntervalSince1970 * 1000)
        return now < notAfter ? nil : "the session's certificate expired"
    }
}
