import Audit
import Hummingbird

extension ConsoleRoutes {
    struct LoginForm: Decodable { let token: String? }
    struct CSRFForm: Decodable { let csrf: String? }

    /// Redeems a one-time link. Every outcome is recorded: a login as the operator, a refusal with the reason and,
    /// when the link was ours, the operator it was issued to.
    func login(_ request: Request, context: ConsoleContext) async throws -> Response {
        let client = context.clientDescription
        guard RequestOrigin.isSameOrigin(request) else {
            try await record(ConsoleAudit.refusedLogin(operator: nil, from: client, reason: "cross-origin request"))
            return loginPage(
                token: nil, context: context, problem: "Refused: not from this console.", status: .forbidden)
        }
        let form = try Self.decode(LoginForm.self, from: try await Self.body(of: request))
        let redemption = backend.links.redeem(form.token ?? "", now: backend.now)
        // After the redemption: a link presented late is refused as expired (and recorded as its operator's).
        backend.links.sweep(now: backend.now)
        let refusal: (operator: String?, reason: String)
        switch redemption {
        case .unknown:
            refusal = (nil, "unknown or already used login link")
        case .expired(let name):
            refusal = (name, "expired login link")
        case .valid(let name):
            guard backend.core.policy.emergency.operator(named: name) != nil else {
                refusal = (name, "not an operator in the policy (emergency.operators)")
                break
            }
            return try await openSession(for: name, method: "one-time link", context: context)
        }
        try await record(ConsoleAudit.refusedLogin(operator: refusal.operator, from: client, reason: refusal.reason))
        return loginPage(
            token: nil, context: context, problem: "Refused: \(refusal.reason). Ask for a new link.", status: .forbidden
        )
    }

    /// A session for `name`, bound to the client's address and, when `certificate` was the proof, to it.
    func openSession(
        for name: String, method: String, certificate: ClientCertificate? = nil, context: ConsoleContext
    ) async throws -> Response {
        let (cookie, session) = backend.sessions.open(
            operator: name, now: backend.now, client: context.clientDescription, certificate: certificate)
        do {
            _ = try await backend.core.ledger.append(
                ConsoleAudit.login(
                    operator: name, session: session.id, from: context.clientDescription, method: method,
                    serial: certificate?.serial))
        } catch {
            // A login the ledger cannot record does not happen.
            backend.sessions.close(cookie: cookie)
            throw ConsoleRefusal(
                status: .serviceUnavailable, problem: "The ledger cannot record the login: nobody logs in.")
        }
        var response = Self.redirect(to: "/")
        let seconds = Int(backend.sessions.lifetime.milliseconds / 1000)
        response.setCookie(ConsoleCookie.setting(cookie, maxAge: seconds))
        return response
    }

    func logout(_ request: Request, context: ConsoleContext) async throws -> Response {
        let body = try await Self.body(of: request)
        guard let session = try await checkedSession(request, body: body, context: context, action: "console.logout")
        else {
            return loginPage(token: nil, context: context, status: .unauthorized)
        }
        if let cookie = context.sessionCookie { backend.sessions.close(cookie: cookie) }
        try await record(
            ConsoleAudit.logout(operator: session.operator, session: session.id, from: context.clientDescription))
        var response = Self.redirect(to: "/login")
        response.setCookie(ConsoleCookie.clearing)
        return response
    }

    /// The session of a POST whose origin and CSRF token are right; nil without a session; a refusal (recorded) is
    /// thrown as 403.
    func checkedSession(_ request: Request, body: String, context: ConsoleContext, action: String) async throws
        -> ConsoleSessions.Session?
    {
        guard let session = context.session else { return nil }
        let form = try Self.decode(CSRFForm.self, from: body)
        let problem: String? =
            !RequestOrigin.isSameOrigin(request)
            ? "cross-origin request" : session.acceptsCSRF(form.csrf) ? nil : "missing or wrong CSRF token"
        guard let problem else { return session }
        try await record(
            ConsoleAudit.refusedRequest(
                operator: session.operator, action: action, from: context.clientDescription, reason: problem))
        throw ConsoleRefusal.forbidden("Refused: \(problem). Reload the page and try again.")
    }

    /// The request's body (a form: at most 16 KiB), read once per request.
    static func body(of request: Request) async throws -> String {
        String(buffer: try await request.body.collect(upTo: 16 << 10))
    }

    static func decode<Form: Decodable>(_ type: Form.Type, from body: String) throws -> Form {
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: body)
        } catch {
            throw ConsoleRefusal(status: .badRequest, problem: "A form the console did not make.")
        }
    }

    /// Records, or fails the request: nothing the console does happens unrecorded.
    func record(_ draft: AuditDraft) async throws {
        do {
            _ = try await backend.core.ledger.append(draft)
        } catch {
            throw ConsoleRefusal(
                status: .serviceUnavailable, problem: "The ledger cannot record this: it was not done.")
        }
    }
}
