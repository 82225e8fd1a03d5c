import Audit

/// How an escalation ended.
public enum EscalationOutcome: Sendable, Hashable {
    /// The answer passed every check: act on its actions (through the Gate), show its summary to humans.
    case verdict(ThreatVerdict)
    /// An answer came but was not taken (not JSON, schema, allow-list, targets): record it; act on nothing.
    case rejected(VerdictRejection)
    /// No usable answer (key unavailable, timeouts, HTTP errors after the retries): go on with local results.
    case failed(String)
    /// The hourly budget is spent: no call was made.
    case overBudget
}

/// An escalation's outcome and one `api_call` draft per HTTP attempt, for the caller to append to the ledger.
public struct EscalationResult: Sendable {
    public let outcome: EscalationOutcome
    public let apiCalls: [AuditDraft]
}
