import Audit

/// A successful SSH login as the ledger records it (`authentication`, from sshd's own log): who, from where, how,
/// and with which key. A root login is medium risk: on a machine agents run, a person logging in as root is worth a
/// look even when expected.
enum SSHLoginAudit {
    static func draft(_ event: SSHDEvent) -> AuditDraft? {
        guard event.kind == .accepted, let login = event.login else { return nil }
        var details: [(key: String, value: JSONValue)] = [
            ("user", .string(login.user)), ("method", .string(login.method)),
            ("source", .string(event.source.description)), ("port", .integer(Int64(event.port))),
        ]
        if let keyType = login.keyType { details.append(("key_type", .string(keyType))) }
        if let fingerprint = login.fingerprint { details.append(("key_fingerprint", .string(fingerprint))) }
        if let pid = event.pid { details.append(("sshd_pid", .integer(Int64(pid)))) }
        return AuditDraft(
            eventType: .authentication, agent: "sshd", action: "ssh.login", target: login.user, result: .success,
            riskLevel: login.user == "root" ? .medium : .low, details: .object(details))
    }
}
