import GRPCCore
import Hummingbird

extension ConsoleRoutes {
    /// A page for a logged-in operator; without a session, the login page.
    func page(
        _ context: ConsoleContext, _ name: String, title: String,
        _ values: (ConsoleSessions.Session) throws -> [String: Any]
    ) rethrows -> Response {
        guard let session = context.session else {
            return loginPage(token: nil, context: context, status: .unauthorized)
        }
        return html(pages.render(name, title: title, session: session, try values(session)))
    }

    /// A POST that changes something: the session (CSRF token, same origin; a refusal is recorded), the form, then
    /// `perform`, which calls the gRPC API's own handler. What that handler refuses is shown as a page with the
    /// status the refusal deserves (it has recorded it already).
    func action<Form: Decodable>(
        _ request: Request, context: ConsoleContext, name: String, form: Form.Type,
        _ perform: (ConsoleSessions.Session, Form) async throws -> Response
    ) async throws -> Response {
        let body = try await Self.body(of: request)
        guard let session = try await checkedSession(request, body: body, context: context, action: name) else {
            return loginPage(token: nil, context: context, status: .unauthorized)
        }
        let form = try Self.decode(Form.self, from: body)
        do {
            return try await perform(session, form)
        } catch let error as RPCError {
            return refusedPage(error, session: session)
        }
    }

    /// What the API refused, as a page: its own message, with the HTTP status closest to its gRPC code.
    func refusedPage(_ error: RPCError, session: ConsoleSessions.Session?) -> Response {
        html(
            pages.render("refused", title: "Refused", session: session, ["problem": error.message]),
            status: Self.status(of: error))
    }

    static func status(of error: RPCError) -> HTTPResponse.Status {
        switch error.code {
        case .permissionDenied, .unauthenticated: .forbidden
        case .notFound: .notFound
        case .invalidArgument: .badRequest
        case .failedPrecondition, .alreadyExists, .aborted: .conflict
        case .resourceExhausted: .tooManyRequests
        default: .serviceUnavailable
        }
    }
}
