/// How escalation to the Messages API runs; from policy.
public struct EscalationSettings: Sendable {
    /// `https://host[:port]`; plain `http` only to loopback (the tests' fake API). No path, query or user info.
    public var endpoint: String
    public var model: String
    public var maxTokens: Int
    /// Time to open a connection (TCP and TLS).
    public var connectTimeout: Duration
    /// Time for one attempt, from sending to the whole answer read.
    public var requestTimeout: Duration
    /// Attempts per escalation, the first included (1…10).
    public var maxAttempts: Int
    /// The first back-off; each retry doubles it (with full jitter) up to ``maxRetryDelay``.
    public var retryBaseDelay: Duration
    /// The longest wait between attempts, a server's `retry-after` included.
    public var maxRetryDelay: Duration
    /// Escalations allowed in any sliding hour (retries of one escalation count once).
    public var callsPerHour: Int
    /// The response kinds a verdict may carry; anything else is rejected.
    public var allowedActions: Set<ResponseActionKind>
    /// Answers longer than this are refused unread.
    public var maxResponseBytes: Int
    /// The `agent` of the `api_call` audit entries.
    public var auditAgent: String

    public init(
        endpoint: String = "https://api.anthropic.com", model: String, maxTokens: Int = 1024,
        connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(60), maxAttempts: Int = 3,
        retryBaseDelay: Duration = .milliseconds(500), maxRetryDelay: Duration = .seconds(30),
        callsPerHour: Int = 30, allowedActions: Set<ResponseActionKind> = [.raiseAlert, .suggestEmergencyStop],
        maxResponseBytes: Int = 256 * 1024, auditAgent: String = "aios-sec"
    ) {
        self.endpoint = endpoint
        self.model = model
        self.maxTokens = maxTokens
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
        self.retryBaseDelay = retryBaseDelay
        self.maxRetryDelay = maxRetryDelay
        self.callsPerHour = callsPerHour
        self.allowedActions = allowedActions
        self.maxResponseBytes = maxResponseBytes
        self.auditAgent = auditAgent
    }

    /// The endpoint's URL for the Messages API, after checking the settings.
    func messagesURL() throws(DetectionError) -> String {
        guard (1...10).contains(maxAttempts), callsPerHour > 0, (1...64_000).contains(maxTokens),
            maxResponseBytes > 0, !model.isEmpty, model.count <= 128
        else { throw .badInput("escalation settings: a value is out of range") }
        let loopback = ["127.0.0.1", "[::1]", "localhost"]
        let parts = endpoint.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let scheme = parts.first, let authority = parts.last, !authority.isEmpty,
            !authority.contains(where: { "/?#@ ".contains($0) })
        else { throw .badInput("escalation endpoint: expected scheme://host[:port] only") }
        let host =
            authority.hasPrefix("[")
            ? String(authority.prefix { $0 != "]" }) + "]" : String(authority.prefix { $0 != ":" })
        guard scheme == "https" || (scheme == "http" && loopback.contains(host)) else {
            throw .badInput("escalation endpoint: https required (plain http only to loopback)")
        }
        return endpoint + "/v1/messages"
    }
}

/// The security context that goes with an escalation, outside the untrusted block.
public struct EscalationContext: Sendable {
    /// The local model's threshold for escalating.
    public var threshold: Double
    /// The window's features that weighed most, by name (names are the feature extractor's, never event text).
    public var features: [(name: String, value: Double)]

    public init(threshold: Double = 0.7, features: [(name: String, value: Double)] = []) {
        self.threshold = threshold
        self.features = features
    }
}
