import Audit
import Crypto

/// The `api_call` entry of one HTTP attempt: endpoint, model, attempt, status, token counts, latency, and SHA-256
/// of the request body and of the answer — the hashes let a reviewer match bodies kept elsewhere without the ledger
/// holding them. Never the key (it is only ever a header) and never the bodies.
enum APICallRecord {
    static func draft(
        settings: EscalationSettings, attempt: Int, requestBody: [UInt8], exchange: MessagesExchange,
        answer: JSONValue?
    ) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [
            ("endpoint", .string(settings.endpoint + "/v1/messages")), ("model", .string(settings.model)),
            ("attempt", .integer(Int64(attempt))), ("latency_ms", .integer(exchange.latencyMilliseconds)),
            ("request_sha256", .string(hex(SHA256.hash(data: requestBody)))),
            ("response_sha256", .string(hex(SHA256.hash(data: exchange.body)))),
            ("response_bytes", .integer(Int64(exchange.body.count))),
        ]
        details.append(("http_status", exchange.status.map { .integer(Int64($0)) } ?? .null))
        if let usage = answer?["usage"] {
            for key in ["input_tokens", "output_tokens"] {
                if case .integer(let count) = usage[key] { details.append((key, .integer(count))) }
            }
        }
        if let failure = exchange.failure { details.append(("failure", .string(failure))) }
        let succeeded = exchange.failure == nil && (200..<300).contains(exchange.status ?? 0)
        return AuditDraft(
            eventType: .apiCall, agent: settings.auditAgent, action: "messages.create",
            target: settings.endpoint + "/v1/messages", result: succeeded ? .success : .failure,
            riskLevel: succeeded ? .low : .medium, details: .object(details))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
