import Capabilities
import Synchronization

/// The recent events of each kind, in memory, with live subscribers: the events API answers recent ranges from
/// here and older ones from the ledger. Bounded per kind (the oldest event goes first, and the time it leaves
/// from is kept so a reader knows where the window stops being whole); each subscriber has a bounded queue of its
/// own, and a subscriber too slow to keep up is told how many events it missed, never silently skipped.
public final class EventWindow: Sendable {
    public struct Slice: Sendable {
        /// The kind's events at or after the asked time that the window holds, oldest first.
        public let events: [HostEvent]
        /// From this time on the window holds every event of the kind published to it; earlier ones are only in
        /// the ledger (when they were recorded).
        public let wholeSince: Timestamp
    }

    /// What a subscriber receives: events in order, and a count where its queue overflowed.
    public enum Delivery: Sendable {
        case event(HostEvent)
        case missed(Int)
    }

    private struct State {
        var rings: [HostEventKind: EventRing]
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
        var closed = false
    }

    private struct Subscriber {
        let kinds: Set<HostEventKind>
        let owner: String
        let continuation: AsyncStream<Delivery>.Continuation
        var missed = 0
    }

    public let capacityPerKind: Int
    /// Live subscribers one owner (a caller's identity) may hold, and all of them together: a client that opens
    /// streams in a loop is refused, not served until memory runs out.
    public let subscribersPerOwner: Int
    public let maximumSubscribers: Int
    private let state: Mutex<State>

    public init(
        capacityPerKind: Int = 8192, startedAt: Timestamp, subscribersPerOwner: Int = 4, maximumSubscribers: Int = 64
    ) {
        precondition(capacityPerKind > 0)
        self.capacityPerKind = capacityPerKind
        self.subscribersPerOwner = subscribersPerOwner
        self.maximumSubscribers = maximumSubscribers
        var rings: [HostEventKind: EventRing] = [:]
        for kind in HostEventKind.allCases { rings[kind] = EventRing(capacity: capacityPerKind, since: startedAt) }
        state = Mutex(State(rings: rings))
    }

    public func publish(_ event: HostEvent) {
        state.withLock { state in
            state.rings[event.kind]!.append(event)
            for (id, subscriber) in state.subscribers where subscriber.kinds.contains(event.kind) {
                state.subscribers[id]!.missed = Self.deliver(event, to: subscriber)
            }
        }
    }

    /// Yields a pending gap first, so the subscriber learns of it in order; returns the count still owed.
    private static func deliver(_ event: HostEvent, to subscriber: Subscriber) -> Int {
        if subscriber.missed > 0, case .dropped = subscriber.continuation.yield(.missed(subscriber.missed)) {
            return subscriber.missed + 1
        }
        if case .dropped = subscriber.continuation.yield(.event(event)) { return 1 }
        return 0
    }

    /// Events of `kind` from `since` on, as held now.
    public func events(_ kind: HostEventKind, since: Timestamp) -> Slice {
        state.withLock { state in
            let ring = state.rings[kind]!
            return Slice(events: ring.elements.filter { $0.time >= since }, wholeSince: ring.wholeSince)
        }
    }

    /// Events of `kinds` as they are published, until the stream is dropped or the window closed; at most `buffer`
    /// wait for a slow reader. Nil when `owner` holds its share of streams already, or the window holds its maximum
    /// or is closed.
    public func watch(_ kinds: Set<HostEventKind>, owner: String, buffer: Int = 1024) -> AsyncStream<Delivery>? {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Delivery.self, bufferingPolicy: .bufferingOldest(buffer))
        let id: Int? = state.withLock { state in
            guard !state.closed, state.subscribers.count < maximumSubscribers,
                state.subscribers.values.count(where: { $0.owner == owner }) < subscribersPerOwner
            else { return nil }
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = Subscriber(kinds: kinds, owner: owner, continuation: continuation)
            return id
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every stream and refuses new ones (the daemon is shutting down: a stream must not hold it up).
    public func close() {
        let ending = state.withLock { state in
            state.closed = true
            defer { state.subscribers = [:] }
            return state.subscribers.values.map(\.continuation)
        }
        // Outside the lock: finishing runs `onTermination`, which takes it.
        for continuation in ending { continuation.finish() }
    }

    /// Live subscribers.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Events dropped from the window since it started, per kind.
    public var dropped: [HostEventKind: Int] { state.withLock { $0.rings.mapValues(\.dropped) } }
}

/// A fixed-size ring of one kind's events.
struct EventRing {
    private var storage: [HostEvent?]
    private var head = 0
    private(set) var count = 0
    private(set) var dropped = 0
    private(set) var wholeSince: Timestamp

    init(capacity: Int, since: Timestamp) {
        storage = Array(repeating: nil, count: capacity)
        wholeSince = since
    }

    mutating func append(_ event: HostEvent) {
        if count == storage.count, let oldest = storage[head] {
            // Events before the leaving one's time may now be missing; the window is whole only after it.
            let after = Timestamp(millisecondsSinceEpoch: oldest.time.millisecondsSinceEpoch + 1)
            if after > wholeSince { wholeSince = after }
            dropped += 1
            storage[head] = event
            head = (head + 1) % storage.count
        } else {
            storage[(head + count) % storage.count] = event
            count += 1
        }
    }

    var elements: [HostEvent] { (0..<count).compactMap { storage[(head + $0) % storage.count] } }
}
