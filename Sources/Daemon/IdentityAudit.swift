import Audit

/// The ledger's `certificate` entries for identities the daemon issues while it runs.
enum IdentityAudit {
    /// `identity`: a managed identity's directory name, or a caller's SPIFFE ID.
    static func renewed(_ identity: String, by actor: String, serial: String?) -> AuditDraft {
        AuditDraft(
            eventType: .certificate, agent: actor, action: "identity_renew", target: identity, result: .success,
            riskLevel: .low, details: .object(serial.map { [("serial", .string($0))] } ?? []))
    }

    static func renewalRefused(_ identity: String, by actor: String, reason: String) -> AuditDraft {
        AuditDraft(
            eventType: .certificate, agent: actor, action: "identity_renew", target: identity, result: .denied,
            riskLevel: .medium, details: .object([("reason", .string(reason))]))
    }

    static func renewalFailed(reason: String) -> AuditDraft {
        AuditDraft(
            eventType: .certificate, agent: "aios-sec", action: "identity_renew", target: "managed identities",
            result: .error, riskLevel: .high, details: .object([("reason", .string(reason))]))
    }

    static func issued(agent: String, directory: String, serial: String) -> AuditDraft {
        AuditDraft(
            eventType: .certificate, agent: "aios-sec", action: "identity_issue", target: "agent:" + agent,
            result: .success, riskLevel: .low,
            details: .object([("serial", .string(serial)), ("directory", .string(directory))]))
    }

    /// The agent stopped: its certificates revoked (`failures`: those the CA could not revoke; the deny-list
    /// still refuses them until the daemon restarts).
    static func withdrawn(agent: String, serials: [String], failures: [String]) -> AuditDraft {
        AuditDraft(
            eventType: .certificate, agent: "aios-sec", action: "identity_withdraw", target: "agent:" + agent,
            result: failures.isEmpty ? .success : .error, riskLevel: failures.isEmpty ? .low : .high,
            details: .object([
                ("revoked", .array(serials.map { .string($0) })), ("failures", .array(failures.map { .string($0) })),
            ]))
    }
}
