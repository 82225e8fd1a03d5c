import NIOCore
import Synchronization

/// The proxy's bounds: per agent, connections open at once, new connections a minute (a sliding window of the last
/// minute's starts) and bytes sent out in an hour (a sliding window of minutes); and connections open over all
/// agents (each holds two of the daemon's descriptors). An agent over a bound is refused (`over_limit`) before
/// anything is decided or resolved, so a loop of connections costs the daemon a counter, not a DNS query and a
/// decision each.
public final class EgressLimiter: Sendable {
    public struct Limits: Sendable, Equatable {
        public var openConnections: Int
        public var connectionsPerMinute: Int
        public var openTotal: Int
        /// nil: no bound.
        public var uploadPerHour: Int64?

        public init(
            openConnections: Int = 256, connectionsPerMinute: Int = 1_200, openTotal: Int = 4_096,
            uploadPerHour: Int64? = 10 << 30
        ) {
            self.openConnections = openConnections
            self.connectionsPerMinute = connectionsPerMinute
            self.openTotal = openTotal
            self.uploadPerHour = uploadPerHour
        }
    }

    private struct Usage {
        var open = 0
        /// Start times of the last minute's connections, oldest first.
        var starts: [NIODeadline] = []
        /// Bytes sent per minute of the last hour, oldest first: (minute since boot, bytes).
        var sent: [(minute: Int64, bytes: Int64)] = []

        var isIdle: Bool { open <= 0 && starts.isEmpty && sent.isEmpty }

        /// Drops what is older than the windows.
        mutating func age(_ now: NIODeadline) {
            let horizon = now - .minutes(1)
            if let keep = starts.firstIndex(where: { $0 > horizon }) {
                starts.removeFirst(keep)
            } else {
                starts.removeAll()
            }
            let minute = EgressLimiter.minute(of: now)
            sent.removeAll { $0.minute <= minute - 60 }
        }

        var sentInTheLastHour: Int64 { sent.reduce(0) { $0 + $1.bytes } }
    }

    private struct State {
        var agents: [String: Usage] = [:]
        var open = 0
    }

    public let limits: Limits
    private let state = Mutex(State())

    public init(limits: Limits = Limits()) { self.limits = limits }

    static func minute(of time: NIODeadline) -> Int64 { Int64(time.uptimeNanoseconds / 60_000_000_000) }

    /// Takes a slot for a new connection of `agent`, or says which bound it is over.
    func acquire(_ agent: String, now: NIODeadline = .now()) -> EgressRefusal? {
        state.withLock { state in
            var usage = state.agents[agent, default: Usage()]
            defer { state.agents[agent] = usage.isIdle ? nil : usage }
            usage.age(now)
            if usage.open >= limits.openConnections {
                return .overLimit("\(limits.openConnections) connections open")
            }
            if usage.starts.count >= limits.connectionsPerMinute {
                return .overLimit("\(limits.connectionsPerMinute) connections in the last minute")
            }
            if let bound = limits.uploadPerHour, usage.sentInTheLastHour >= bound {
                return .overLimit("\(bound) bytes sent in the last hour")
            }
            if state.open >= limits.openTotal {
                return .overLimit("\(limits.openTotal) connections open over all agents")
            }
            usage.open += 1
            usage.starts.append(now)
            state.open += 1
            return nil
        }
    }

    /// Counts `bytes` sent out by `agent`; the refusal when that takes it over its hourly bound.
    func sent(_ bytes: Int, by agent: String, now: NIODeadline = .now()) -> EgressRefusal? {
        state.withLock { state in
            // Also without a slot here: an agent's inbound connections take theirs in the ingress's limiter.
            var usage = state.agents[agent, default: Usage()]
            defer { state.agents[agent] = usage }
            usage.age(now)
            let minute = Self.minute(of: now)
            if usage.sent.last?.minute == minute {
                usage.sent[usage.sent.count - 1].bytes += Int64(bytes)
            } else {
                usage.sent.append((minute, Int64(bytes)))
            }
            guard let bound = limits.uploadPerHour, usage.sentInTheLastHour > bound else { return nil }
            return .overLimit("\(bound) bytes sent in the last hour")
        }
    }

    /// A connection that took a slot has ended.
    func release(_ agent: String) {
        state.withLock { state in
            state.open -= 1
            guard var usage = state.agents[agent] else { return }
            usage.open -= 1
            state.agents[agent] = usage.isIdle ? nil : usage
        }
    }
}
