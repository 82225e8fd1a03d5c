/// When to try again and how long to wait: on 429, 5xx (529 "overloaded" included) and transport failures
/// (timeouts, refused or dropped connections); never on other 4xx, which another attempt cannot fix.
struct RetryPolicy: Sendable {
    let maxAttempts: Int
    let baseDelay: Duration
    let maxDelay: Duration

    static func retryable(status: Int?) -> Bool {
        guard let status else { return true }
        return status == 429 || status == 408 || (500...599).contains(status)
    }

    /// The wait before attempt `attempt + 1` (attempts count from 1): the server's `retry-after` when it gave one
    /// (capped at ``maxDelay``), otherwise full jitter over `baseDelay × 2^(attempt−1)`, capped.
    func delay(after attempt: Int, retryAfter: Duration?, using generator: inout some RandomNumberGenerator)
        -> Duration
    {
        if let retryAfter { return min(retryAfter, maxDelay) }
        let ceiling = min(baseDelay * (1 << min(attempt - 1, 20)), maxDelay)
        let milliseconds = Int64(ceiling / .milliseconds(1))
        guard milliseconds > 0 else { return .zero }
        return .milliseconds(Int64.random(in: 0...milliseconds, using: &generator))
    }

    /// A `retry-after` header as seconds (the HTTP-date form is not used by the API and is ignored).
    static func retryAfter(_ header: String?) -> Duration? {
        guard let header, let seconds = Double(header.filter { $0 != " " && $0 != "\t" }), seconds.isFinite,
            seconds >= 0
        else {
            return nil
        }
        return .milliseconds(Int64(min(seconds, 86_400) * 1000))
    }
}
