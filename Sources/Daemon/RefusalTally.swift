import Capabilities
import Synchronization

/// Counts refusals so a flood of them cannot grow the ledger without bound: per key (what was refused, from
/// where, why) the first refusal in a window is recorded in full by its caller, the rest only counted, and when the
/// window closes one summary carries the count. At most `maximumKeys` keys are tracked per kind at once; beyond
/// that refusals are counted under one overflow key of their kind, so the tally's own memory is bounded too.
///
/// The ledger therefore grows by at most two entries per key and window, whatever the refusal rate.
public final class RefusalTally: Sendable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A caller whose certificate names no valid, unrevoked identity (the identity interceptor).
        case authentication
        /// A request field over its limit.
        case oversized
        /// A call over its caller's rate budget.
        case rate
        /// A connection refused over a cap, or closed because its TLS handshake did not finish in time.
        case connection
    }

    public struct Key: Sendable, Hashable {
        public let kind: Kind
        /// Who: a source address (`ipv4:127.0.0.1`), or a caller's SPIFFE URI.
        public let source: String
        /// Why, as a class (never the refused value): `revoked`, `reason`, `management calls`, `per-source cap`.
        public let reason: String

        public init(kind: Kind, source: String, reason: String) {
            self.kind = kind
            self.source = source
            self.reason = reason
        }
    }

    /// A closed window with more than the one refusal recorded in full.
    public struct Summary: Sendable, Hashable {
        public let key: Key
        /// Every refusal of the window, the first (recorded in full) included.
        public let refusals: Int
        public let from: Timestamp
        public let until: Timestamp
    }

    public static let overflowSource = "other sources"

    public let window: GrantDuration
    public let maximumKeys: Int
    private let state = Mutex(State())

    private struct State {
        var open: [Key: (count: Int, from: Timestamp)] = [:]
        var keysPerKind: [Kind: Int] = [:]
    }

    public init(window: GrantDuration = .seconds(60), maximumKeys: Int = 1024) {
        self.window = window
        self.maximumKeys = maximumKeys
    }

    /// Counts one refusal; true when it is the first of its key in the window (the caller records it in full).
    public func count(_ key: Key, at now: Timestamp) -> Bool {
        state.withLock { state in
            var key = key
            if state.open[key] == nil, state.keysPerKind[key.kind, default: 0] >= maximumKeys {
                key = Key(kind: key.kind, source: Self.overflowSource, reason: "over \(maximumKeys) keys")
            }
            if let current = state.open[key] {
                state.open[key] = (current.count + 1, current.from)
                return false
            }
            state.open[key] = (1, now)
            state.keysPerKind[key.kind, default: 0] += 1
            return true
        }
    }

    /// Closes the windows that ended by `now` (all of them with `everything`, at shutdown) and returns those that
    /// counted more than their first refusal.
    public func close(at now: Timestamp, everything: Bool = false) -> [Summary] {
        state.withLock { state in
            var summaries: [Summary] = []
            for (key, value) in state.open where everything || !(now < value.from.adding(window)) {
                state.open[key] = nil
                state.keysPerKind[key.kind, default: 1] -= 1
                if value.count > 1 {
                    summaries.append(Summary(key: key, refusals: value.count, from: value.from, until: now))
                }
            }
            return summaries.sorted {
                $0.from == $1.from ? $0.key.source < $1.key.source : $0.from < $1.from
            }
        }
    }

    /// Keys with an open window (for tests and status).
    public var openKeys: Int { state.withLock { $0.open.count } }
}
