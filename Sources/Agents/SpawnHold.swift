import Synchronization

/// While engaged (manual mode) nothing starts: not a new agent, not a watchdog restart, not a program an agent asks
/// the Broker for. Every spawner of a daemon shares one. A start that passed the check just before the hold was
/// engaged still cannot run: its cgroup is made below the frozen parent, and the kernel freezes it at once.
public final class SpawnHold: Sendable {
    private let reason = Mutex<String?>(nil)

    public init() {}

    public var heldBecause: String? { reason.withLock { $0 } }

    public func engage(_ why: String) { reason.withLock { $0 = why } }
    public func release() { reason.withLock { $0 = nil } }
}
