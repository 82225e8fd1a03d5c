import Audit
import Capabilities

extension IntrusionAlert {
    /// What was done about an alert, for its `security_alert`.
    public enum Outcome: Hashable, Sendable {
        case blocked
        case alerted
        /// The blocker threw; the text is its error.
        case blockFailed(String)
    }

    /// The audited `security_alert`: action `ids.<rule>`, target the source, the evidence in `details`.
    public func auditDraft(outcome: Outcome) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [
            ("rule", .string(rule.rawValue)), ("source", .string(subject)),
            ("time", .string(time.rfc3339)), ("threshold_met_at", .string(thresholdMetAt.rfc3339)),
            ("summary", .string(summary)), ("evidence", .array(evidence.map { .string($0) })),
        ]
        if !ports.isEmpty { details.append(("ports", .array(ports.map { .integer(Int64($0)) }))) }
        switch response {
        case .block(let duration): details += [("response", .string("block")), ("block_for", .string("\(duration)"))]
        case .alertOnly(let reason): details += [("response", .string("alert")), ("reason", .string(reason))]
        }
        if case .blockFailed(let error) = outcome { details.append(("error", .string(error))) }
        let result: AuditResult =
            switch outcome {
            case .blocked: .success
            case .alerted: .success
            case .blockFailed: .failure
            }
        return AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: "ids.\(rule.rawValue)", target: subject,
            result: result, riskLevel: blockDuration == nil ? .medium : .high,
            details: .object(details))
    }
}
