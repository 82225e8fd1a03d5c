import Audit

/// The console's own ledger entries. Actions (the emergency stop) are recorded by the code they call, the same
/// as over gRPC; these record who came in, who was turned away and why.
enum ConsoleAudit {
    /// `serial`: the client certificate's, when one was the proof.
    static func login(operator name: String, session: String, from client: String, method: String, serial: String?)
        -> AuditDraft
    {
        var details: [(key: String, value: JSONValue)] = [("session", .string(session)), ("method", .string(method))]
        if let serial { details.append(("certificate_serial", .string(serial))) }
        return AuditDraft(
            eventType: .authentication, agent: "operator:\(name)", action: "console.login", target: client,
            result: .success, riskLevel: .medium, details: .object(details))
    }

    /// `name`: the operator the link was issued to, or the certificate named, when it named one.
    static func refusedLogin(
        operator name: String?, from client: String, reason: String, method: String = "one-time link",
        serial: String? = nil
    ) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [("reason", .string(reason)), ("method", .string(method))]
        if let serial { details.append(("certificate_serial", .string(serial))) }
        return AuditDraft(
            eventType: .authentication, agent: name.map { "operator:\($0)" } ?? "console", action: "console.login",
            target: client, result: .denied, riskLevel: .high, details: .object(details))
    }

    static func logout(operator name: String, session: String, from client: String) -> AuditDraft {
        AuditDraft(
            eventType: .authentication, agent: "operator:\(name)", action: "console.logout", target: client,
            result: .success, riskLevel: .low, details: .object([("session", .string(session))]))
    }

    static func refusedRequest(operator name: String?, action: String, from client: String, reason: String)
        -> AuditDraft
    {
        AuditDraft(
            eventType: .apiCall, agent: name.map { "operator:\($0)" } ?? "console", action: action, target: client,
            result: .denied, riskLevel: .high, details: .object([("reason", .string(reason))]))
    }
}
