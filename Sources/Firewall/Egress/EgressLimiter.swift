import NIOCore
import Synchronization

/// Per-agent bounds on the proxy: connections open at once, and new connections a minute (a sliding window of the
/// last minute's starts). An agent over either is refused (`over_limit`) before anything is decided or resolved,
/// so a loop of connections costs the daemon a counter, not a DNS query and a decision each.
public final class EgressLimiter: Sendable {
    public struct Limits: Sendable, Equatable {
        public var openConnections: Int
        public var connectionsPerMinute: Int

        public init(openConnections: Int = 256, connectionsPerMinute: Int = 1_200) {
            self.openConnections = openConnections
            self.connectionsPerMinute = connectionsPerMinute
        }
    }

    private struct Usage {
        var open = 0
        /// Start times of the last minute's connections, oldest first.
        var starts: [NIODeadline] = []
    }

    public let limits: Limits
    private let usage = Mutex<[String: Usage]>([:])

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Takes a slot for a new connection of `agent`, or says which limit it is over.
    func acquire(_ agent: String, now: NIODeadline = .now()) -> EgressRefusal? {
        usage.withLock { all in
            var usage = all[agent, default: Usage()]
            defer { all[agent] = usage }
            let horizon = now - .minutes(1)
            if let keep = usage.starts.firstIndex(where: { $0 > horizon }) {
                usage.starts.removeFirst(keep)
            } else {
                usage.starts.removeAll()
            }
            if usage.open >= limits.openConnections {
                return .overLimit("\(limits.openConnections) connections open")
            }
            if usage.starts.count >= limits.connectionsPerMinute {
                return .overLimit("\(limits.connectionsPerMinute) connections in the last minute")
            }
            usage.open += 1
            usage.starts.append(now)
            return nil
        }
    }

    /// A connection that took a slot has ended.
    func release(_ agent: String) {
        usage.withLock { all in
            all[agent]?.open -= 1
            if let usage = all[agent], usage.open <= 0, usage.starts.isEmpty { all[agent] = nil }
        }
    }
}
