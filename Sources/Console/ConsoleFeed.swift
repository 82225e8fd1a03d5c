import Audit
import Daemon
import Foundation
import ServiceLifecycle
import Synchronization

/// What the console's pages learn without a reload: new alerts from the ledger and the daemon's state (mode,
/// waiting calls, agents, grants). One reader for all browsers: the feed reads the ledger's new entries once a
/// second and hands each subscriber the server-sent events it missed, through a bounded buffer (a browser that
/// does not read loses the oldest events, never the daemon's memory).
public final class ConsoleFeed: Service, Sendable {
    /// Alerts kept for a page that opens now.
    static let recentAlerts = 20
    /// Events a slow browser may fall behind by.
    static let subscriberBuffer = 64
    /// Streams open at once, in all and per session. Each page a browser opens starts one, and the daemon learns
    /// that a page was left only when it next writes to its stream; so a session's newest streams win (its oldest
    /// is ended), and a console with as many as it may hold refuses new ones.
    static let maximumStreams = 64
    static let maximumStreamsPerSession = 4
    /// How often a quiet stream says it is alive (proxies and browsers close streams that stay silent).
    static let heartbeat = 15

    struct Alert: Sendable, Equatable {
        let id: String
        let time: String
        let agent: String
        let action: String
        let target: String
        let risk: String
        let result: String
    }

    private struct Subscriber {
        let session: String
        let order: Int
        let continuation: AsyncStream<String>.Continuation
    }

    private struct State {
        var position: (day: String, seq: Int)?
        var started = false
        var alerts: [Alert] = []
        var summary = ""
        var quietPolls = 0
        var subscribers: [UUID: Subscriber] = [:]
        var opened = 0
    }

    let core: DaemonCore
    let workers: Workers
    private let state = Mutex(State())

    public init(core: DaemonCore, workers: Workers) {
        self.core = core
        self.workers = workers
    }

    /// The newest alerts, newest first.
    var alerts: [Alert] { state.withLock { Array($0.alerts.reversed()) } }

    /// A stream of server-sent events for one page of `session`; it ends when the feed stops, or when the session
    /// opens more streams than it may hold. Nil when the console holds as many streams as it may.
    public func subscribe(session: String) -> AsyncStream<String>? {
        let (stream, continuation) = AsyncStream<String>.makeStream(
            bufferingPolicy: .bufferingNewest(Self.subscriberBuffer))
        let id = UUID()
        let (admitted, ended) = state.withLock { state -> (Bool, [Subscriber]) in
            let own = state.subscribers.filter { $0.value.session == session }.sorted {
                $0.value.order < $1.value.order
            }
            let oldest = own.prefix(max(0, own.count - Self.maximumStreamsPerSession + 1))
            for (key, _) in oldest { state.subscribers[key] = nil }
            guard state.subscribers.count < Self.maximumStreams else { return (false, oldest.map(\.value)) }
            continuation.yield(Self.event("state", summary(state)))
            state.opened += 1
            state.subscribers[id] = Subscriber(session: session, order: state.opened, continuation: continuation)
            return (true, oldest.map(\.value))
        }
        // Outside the lock: a finished stream's termination handler takes the lock itself.
        for subscriber in ended { subscriber.continuation.finish() }
        guard admitted else { return nil }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Polls on a thread of its own (the ledger is read with blocking I/O, which must not hold one of Swift's
    /// cooperative threads), until the daemon shuts down.
    public func run() async throws {
        let stopping = Mutex(false)
        Thread { [self] in
            while !stopping.withLock({ $0 }) {
                poll()
                Thread.sleep(forTimeInterval: 1)
            }
        }.start()
        try? await gracefulShutdown()
        stopping.withLock { $0 = true }
        let ended = state.withLock { state in
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in ended { subscriber.continuation.finish() }
    }

    /// One step: the ledger's entries since the last step, and the daemon's state. Public for tests, which step
    /// the feed by hand.
    public func poll() {
        let reader = LedgerReader(directory: core.ledgerDirectory)
        let position = state.withLock { $0.started ? $0.position : nil }
        let fresh: [StoredEntry]
        do {
            // The first step starts at the newest alerts already recorded, not at the ledger's beginning.
            fresh =
                try position.map { try reader.entries(after: $0) }
                ?? reader.newest(2000)
        } catch {
            return  // the ledger is being rotated or is unreadable: the next step tries again
        }
        let alerts = fresh.filter { $0.eventType == AuditEventType.securityAlert.rawValue }.map {
            Alert(
                id: $0.id, time: $0.timestamp.rfc3339, agent: $0.agent, action: $0.action, target: $0.target,
                risk: $0.riskLevel, result: $0.result)
        }
        state.withLock { state in
            let announce = state.started
            state.started = true
            if let last = fresh.last { state.position = (last.day, last.seq) }
            state.alerts = Array((state.alerts + alerts).suffix(Self.recentAlerts))
            var events = announce ? alerts.map { Self.event("alert", Self.json($0)) } : []
            let summary = summary(state)
            if summary != state.summary {
                state.summary = summary
                events.append(Self.event("state", summary))
            }
            state.quietPolls = events.isEmpty ? state.quietPolls + 1 : 0
            if state.quietPolls >= Self.heartbeat {
                state.quietPolls = 0
                events.append(": alive\n\n")
            }
            for event in events {
                for subscriber in state.subscribers.values { subscriber.continuation.yield(event) }
            }
        }
    }

    private func summary(_ state: State) -> String {
        let now = core.clock.now()
        let fields: [String: Any] = [
            "mode": core.emergency.modeName, "pending": core.pending.calls.count,
            "agents": workers.agents?.list().filter { $0.state != .stopped }.count ?? 0,
            "grants": core.authority.activeGrants(at: now).count,
        ]
        return Self.serialize(fields)
    }

    static func json(_ alert: Alert) -> String {
        serialize([
            "id": alert.id, "time": alert.time, "agent": alert.agent, "action": alert.action, "target": alert.target,
            "risk": alert.risk, "result": alert.result,
        ])
    }

    private static func serialize(_ object: [String: Any]) -> String {
        // Sorted keys: the same state gives the same text, so only changes are sent.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// One server-sent event. JSON has no raw line breaks, so `data:` is one line.
    static func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }
}
