import Hummingbird

extension ConsoleRoutes {
    /// Logs in with the connection's client certificate, when the operator presses the button for it (never by
    /// merely connecting: a browser sends an installed certificate to any page that asks, and a login must be the
    /// operator's act). Same-origin as the link login; every outcome recorded, with the certificate's serial.
    func certificateLogin(_ request: Request, context: ConsoleContext) async throws -> Response {
        let client = context.clientDescription
        let method = "client certificate"
        guard RequestOrigin.isSameOrigin(request) else {
            try await record(
                ConsoleAudit.refusedLogin(
                    operator: nil, from: client, reason: "cross-origin request", method: method,
                    serial: context.clientCertificate?.serial))
            return loginPage(
                token: nil, context: context, problem: "Refused: not from this console.", status: .forbidden)
        }
        guard let certificates = backend.certificates else {
            return loginPage(
                token: nil, context: context, problem: "This console does not accept client certificates.",
                status: .forbidden)
        }
        guard let presented = context.clientCertificate else {
            try await record(
                ConsoleAudit.refusedLogin(operator: nil, from: client, reason: "no client certificate", method: method))
            return loginPage(
                token: nil, context: context, problem: "Refused: your browser presented no client certificate.",
                status: .forbidden)
        }
        switch await certificates.check(presented, policy: backend.core.policy, now: backend.now) {
        case .accepted(let name):
            return try await openSession(for: name, method: method, certificate: presented, context: context)
        case .refused(let name, let reason):
            try await record(
                ConsoleAudit.refusedLogin(
                    operator: name, from: client, reason: reason, method: method, serial: presented.serial))
            return loginPage(
                token: nil, context: context, problem: "Refused: \(reason).", status: .forbidden)
        }
    }
}
