import Hummingbird
import PKI

/// The console's routes. Without a session every page is the login page; every POST needs the session's CSRF
/// token and a same-origin request (see ``RequestOrigin``).
public struct ConsoleRoutes: Sendable {
    let backend: ConsoleBackend
    var pages: ConsolePages { .shared }

    public init(backend: ConsoleBackend) {
        self.backend = backend
    }

    public func router() -> Router<ConsoleContext> {
        let router = Router(context: ConsoleContext.self)
        router.middlewares.add(SecurityHeaders<ConsoleContext>())
        router.middlewares.add(ClientAddressCheck(allowed: backend.allowed, refusals: backend.refusals))
        router.middlewares.add(ClientCertificateLookup())
        router.middlewares.add(
            SessionLookup(
                sessions: backend.sessions, clock: backend.core.clock, refusals: backend.refusals,
                denyList: backend.core.denyList))
        router.get("/static/console.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                body: .init(byteBuffer: .init(string: ConsoleTemplates.stylesheet)))
        }
        router.get("/login") { request, context in
            loginPage(token: request.uri.queryParameters["token"].map(String.init), context: context)
        }
        router.post("/login") { request, context in try await login(request, context: context) }
        router.post("/login/certificate") { request, context in
            try await certificateLogin(request, context: context)
        }
        router.post("/logout") { request, context in try await logout(request, context: context) }
        router.get("/") { _, context in
            guard let session = context.session else {
                return loginPage(token: nil, context: context, status: .unauthorized)
            }
            return html(
                pages.render(
                    "overview", title: "Overview", session: session,
                    OverviewData(
                        core: backend.core, workers: backend.workers, feed: backend.feed,
                        expiries: backend.expiries
                    ).values(
                        now: backend.now)))
        }
        router.post("/estop") { request, context in try await emergencyStop(request, context: context) }
        addCallRoutes(to: router)
        addReviewRoutes(to: router)
        addAgentRoutes(to: router)
        addResumeRoutes(to: router)
        addEventRoutes(to: router)
        addAuditRoutes(to: router)
        addNetworkRoutes(to: router)
        return router
    }

    func loginPage(token: String?, context: ConsoleContext, problem: String? = nil, status: HTTPResponse.Status = .ok)
        -> Response
    {
        var values: [String: Any] = [:]
        if let token, !token.isEmpty { values["token"] = token }
        if let problem { values["problem"] = problem }
        if backend.certificates != nil, let presented = context.clientCertificate {
            values["certificate"] = [
                "identity": presented.certificate.uriNames.first ?? "no identity", "serial": presented.serial,
            ]
        }
        return html(pages.render("login", title: "Log in", session: nil, values), status: status)
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: .init(string: text)))
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
