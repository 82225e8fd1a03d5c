import Audit
import Capabilities

/// Escalates a risky window of events to the Messages API and returns a validated verdict — or says why not.
///
/// Each call is a new conversation (``EscalationPrompt``): a fixed system prompt, one user turn with the events in an
/// untrusted block, the verdict tool forced. The API key is read from the provider per escalation and only ever
/// put in the `x-api-key` header: never in an error, a log line or an audit entry. Failures never throw: the loop
/// goes on with its local results.
///
/// The escalator owns an HTTP client: call ``shutdown()`` once when done (AsyncHTTPClient asserts, in debug builds,
/// that a client is shut down before it is released).
public actor Escalator {
    private let settings: EscalationSettings
    private let client: MessagesClient
    private let apiKey: @Sendable () throws -> String
    private let clock: any SecurityClock
    private let validator: VerdictValidator
    private let retry: RetryPolicy
    private var budget: EscalationBudget

    public init(
        settings: EscalationSettings, apiKey: @escaping @Sendable () throws -> String,
        clock: any SecurityClock = SystemClock()
    ) throws(DetectionError) {
        self.settings = settings
        self.client = try MessagesClient(settings: settings)
        self.apiKey = apiKey
        self.clock = clock
        self.validator = VerdictValidator(allowed: settings.allowedActions)
        self.retry = RetryPolicy(
            maxAttempts: settings.maxAttempts, baseDelay: settings.retryBaseDelay, maxDelay: settings.maxRetryDelay)
        self.budget = EscalationBudget(callsPerHour: settings.callsPerHour)
    }

    /// Closes the HTTP client's connections; call once, when the loop ends.
    public func shutdown() async {
        await client.shutdown()
    }

    public func escalate(events: [HostEvent], score: Double, context: EscalationContext) async -> EscalationResult {
        guard budget.take(at: clock.now()) else { return EscalationResult(outcome: .overBudget, apiCalls: []) }
        let key: String
        do {
            key = try apiKey()
        } catch {
            return EscalationResult(outcome: .failed("API key unavailable"), apiCalls: [])
        }
        guard !key.isEmpty, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return EscalationResult(outcome: .failed("API key unusable"), apiCalls: [])
        }
        let prompt = EscalationPrompt(events: events, score: score, context: context, allowed: settings.allowedActions)
        let body = prompt.body(settings: settings).canonicalBytes
        let evidence = EscalationEvidence(events: events)
        var drafts: [AuditDraft] = []
        var generator = SystemRandomNumberGenerator()
        var problem = "no attempt"
        for attempt in 1...settings.maxAttempts {
            let exchange = await client.post(body, apiKey: key)
            let ok = exchange.failure == nil && (200..<300).contains(exchange.status ?? 0)
            let answer: JSONValue? = ok ? (try? JSONParser.parse(bytes: exchange.body)) : nil
            drafts.append(
                APICallRecord.draft(
                    settings: settings, attempt: attempt, requestBody: body, exchange: exchange, answer: answer))
            if ok {
                guard let answer else {
                    return EscalationResult(
                        outcome: .rejected(VerdictRejection(["answer is not JSON"])), apiCalls: drafts)
                }
                switch validator.validate(response: answer, evidence: evidence) {
                case .success(let verdict): return EscalationResult(outcome: .verdict(verdict), apiCalls: drafts)
                case .failure(let rejection): return EscalationResult(outcome: .rejected(rejection), apiCalls: drafts)
                }
            }
            problem = exchange.failure ?? "HTTP \(exchange.status ?? 0)"
            let retryable =
                exchange.failure == nil
                ? RetryPolicy.retryable(status: exchange.status) : exchange.failure != MessagesClient.tooLarge
            guard retryable, attempt < settings.maxAttempts, !Task.isCancelled else { break }
            try? await Task.sleep(for: retry.delay(after: attempt, retryAfter: exchange.retryAfter, using: &generator))
            if Task.isCancelled {
                problem = "cancelled"
                break
            }
        }
        return EscalationResult(
            outcome: .failed("no answer after \(drafts.count) attempt(s): \(problem)"), apiCalls: drafts)
    }
}
