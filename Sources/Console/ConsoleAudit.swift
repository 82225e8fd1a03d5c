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

extension ConsoleAudit {
    static func verifyStarted(_ job: LedgerVerifyJobs.Job, by name: String) -> AuditDraft {
        AuditDraft(
            eventType: .apiCall, agent: name, action: "audit.verify", target: "ledger", result: .pending,
            riskLevel: .low, details: .object([("job", .string(job.id)), ("entries", .integer(Int64(job.total)))]))
    }

    static func verified(_ job: LedgerVerifyJobs.Job, by name: String) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [
            ("job", .string(job.id)), ("entries", .integer(Int64(job.checked))),
        ]
        let result: AuditResult
        if let report = job.report {
            result = report.intact ? .success : .failure
            if let failure = report.failure { details.append(("problem", .string(failure.description))) }
        } else {
            result = .error
            details.append(("problem", .string(job.error ?? "unknown")))
        }
        return AuditDraft(
            eventType: .apiCall, agent: name, action: "audit.verify", target: "ledger", result: result,
            riskLevel: result == .success ? .low : .critical, details: .object(details))
    }

    static func exported(filters: [(name: String, value: String)], by name: String) -> AuditDraft {
        AuditDraft(
            eventType: .apiCall, agent: name, action: "audit.export", target: "ledger", result: .success,
            riskLevel: .medium,
            details: .object([("filters", .object(filters.map { ($0.name, JSONValue.string($0.value)) }))]))
    }
}
