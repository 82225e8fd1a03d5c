import Capabilities
import Synchronization

/// A clock that moves only when a test moves it.
public final class ManualClock: SecurityClock {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp = .seconds(1_760_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    public func advance(by duration: GrantDuration) {
        current.withLock { $0 = $0.adding(duration) }
    }

    public func set(_ time: Timestamp) {
        current.withLock { $0 = time }
    }
}
