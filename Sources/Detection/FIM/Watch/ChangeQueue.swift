import Dispatch
import Synchronization

/// A path the kernel said changed, and what it said.
struct ObservedChange: Sendable {
    var path: [UInt8]
    /// The kernel's event bits, or'ed over the coalesced events (FAN_* or IN_*, see `source`).
    var events: [String]
    /// Whether an entry appeared or vanished as a directory (its subtree is compared, not just the entry).
    var directoryMoved: Bool
    var process: ProcessIdentity?
    var source: WatchSource
    /// When the first event of it was read.
    var observedAt: ContinuousClock.Instant
    /// How many times it was put back (the Broker at work, or a file written while it was read).
    var retries = 0
}

/// Which kernel interface saw a change.
public enum WatchSource: String, Sendable {
    case fanotify
    case inotify
    /// A full check (at start, and after an overflow).
    case fullCheck = "full_check"
}

/// Changes waiting for the checker, one per path (repeated events for a path coalesce into the first), at most
/// `capacity` paths. When full, a new path is not queued: the queue remembers that it overflowed, and the checker
/// runs a full check instead — a dropped event is never a silent one.
final class ChangeQueue: Sendable {
    private struct State {
        var pending: [[UInt8]: ObservedChange] = [:]
        var order: [[UInt8]] = []
        var overflowed = false
    }

    let capacity: Int
    /// Paths not queued because the queue was full.
    let drops = Atomic<Int>(0)
    private let state = Mutex(State())
    private let signal = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func push(_ change: ObservedChange) {
        let wake = state.withLock { state -> Bool in
            if var existing = state.pending[change.path] {
                existing.events = Array(Set(existing.events).union(change.events)).sorted()
                existing.directoryMoved = existing.directoryMoved || change.directoryMoved
                if existing.process == nil { existing.process = change.process }
                state.pending[change.path] = existing
                return false
            }
            guard state.pending.count < capacity else {
                drops.add(1, ordering: .relaxed)
                state.overflowed = true
                return true
            }
            state.pending[change.path] = change
            state.order.append(change.path)
            return state.order.count == 1
        }
        if wake { signal.signal() }
    }

    /// The kernel's own queue overflowed.
    func markOverflow() {
        state.withLock { $0.overflowed = true }
        signal.signal()
    }

    /// Waits until something is queued (or `timeout` passes), then takes everything.
    func take(timeout: Duration) -> (changes: [ObservedChange], overflowed: Bool) {
        let nanoseconds =
            Int(timeout.components.seconds) * 1_000_000_000 + Int(timeout.components.attoseconds / 1_000_000_000)
        _ = signal.wait(timeout: .now() + .nanoseconds(nanoseconds))
        return state.withLock { state in
            let changes = state.order.compactMap { state.pending[$0] }
            let overflowed = state.overflowed
            state = State()
            return (changes, overflowed)
        }
    }

    var isEmpty: Bool { state.withLock { $0.order.isEmpty && !$0.overflowed } }
}
