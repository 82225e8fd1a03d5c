import Capabilities
import Synchronization

/// A token bucket per caller: `rate` calls a second on average, bursts of up to `burst`.
public final class RateLimiter: Sendable {
    public let rate: Double
    public let burst: Double
    private let buckets = Mutex<[String: (tokens: Double, at: Int64)]>([:])

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    public var describe: String { "\(Int(rate))/s, burst \(Int(burst))" }

    /// Takes a token; false when the bucket is empty (the call is over the limit).
    public func take(_ key: String, at now: Timestamp) -> Bool {
        buckets.withLock { buckets in
            let milliseconds = now.millisecondsSinceEpoch
            var bucket = buckets[key] ?? (burst, milliseconds)
            let elapsed = Double(max(0, milliseconds - bucket.at)) / 1000
            bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            bucket.at = milliseconds
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return false
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return true
        }
    }
}
