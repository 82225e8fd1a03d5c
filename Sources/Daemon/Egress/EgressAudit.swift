import Audit
import Capabilities
import Firewall

/// The ledger's entries for the egress proxy: each connection as a `network_connection` (agent, destination name
/// and address, port, bytes each way, duration, outcome; a refusal with the capability that was missing), and a
/// relayed connection to a known model API also as an `api_call` naming the host.
public enum EgressAudit {
    /// Hosts whose connections are model API calls (`api_call`, host and bytes; the content stays encrypted).
    static let modelAPIHosts: Set<String> = [
        "api.anthropic.com", "api.openai.com", "generativelanguage.googleapis.com", "api.mistral.ai",
        "api.cohere.com", "api.groq.com",
    ]

    public static func drafts(_ connection: EgressConnection) -> [AuditDraft] {
        let destination = connection.destination
        var details: [(key: String, value: JSONValue)] = [
            ("host", destination.map { .string($0.host) } ?? .null),
            ("port", destination.map { .integer(Int64($0.port)) } ?? .null),
            ("address", connection.address.map { .string($0) } ?? .null),
            ("bytes_out", .integer(connection.bytesOut)), ("bytes_in", .integer(connection.bytesIn)),
            ("duration_ms", .integer(connection.durationMilliseconds)),
        ]
        if let name = connection.serverName { details.append(("tls_server_name", .string(name))) }
        // Recorded while open (a long tunnel): its bytes and duration so far; its end is another entry.
        if connection.stillOpen { details.append(("open", .bool(true))) }
        let result: AuditResult
        let risk: RiskLevel
        switch connection.refusal {
        case nil:
            result = .success
            risk = .low
        case .notAllowed(let missing)?:
            result = .denied
            risk = .medium
            details.append(("missing_capability", .string(missing)))
        case .revoked(let missing)?:
            result = .denied
            risk = .medium
            details.append(("missing_capability", .string(missing)))
        case .idle?:
            result = .success  // relayed, then closed for carrying nothing
            risk = .low
        case let refusal?:
            result = refusal.kind == "unreachable" ? .failure : .denied
            risk = refusal.kind == "name_mismatch" ? .high : .medium
        }
        if let refusal = connection.refusal {
            details.append(("refusal", .string(refusal.kind)))
            details.append(("reason", .string(refusal.description)))
        }
        let target: String
        if let peer = connection.inboundFrom {
            // Served by the agent (net:listen): the port, and who connected.
            details += [("direction", .string("inbound")), ("peer", .string(peer))]
            target = "tcp \(destination?.port ?? 0) from \(peer)"
        } else {
            target = destination?.description ?? "(unreadable request)"
        }
        let action = connection.inboundFrom == nil ? "net.connect" : "net.listen"
        var drafts = [
            AuditDraft(
                eventType: .networkConnection, agent: connection.agent, action: action, target: target,
                capabilitiesUsed: connection.capability.map { [$0] } ?? [], result: result, riskLevel: risk,
                details: .object(details))
        ]
        if connection.refusal == nil, !connection.stillOpen, connection.inboundFrom == nil,
            let host = destination?.host,
            modelAPIHosts.contains(host)
        {
            drafts.append(
                AuditDraft(
                    eventType: .apiCall, agent: connection.agent, action: "egress", target: host,
                    capabilitiesUsed: connection.capability.map { [$0] } ?? [], result: .success, riskLevel: .low,
                    details: .object([
                        ("host", .string(host)), ("bytes_out", .integer(connection.bytesOut)),
                        ("bytes_in", .integer(connection.bytesIn)),
                        ("duration_ms", .integer(connection.durationMilliseconds)),
                    ])))
        }
        return drafts
    }
}
