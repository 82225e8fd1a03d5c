import Synchronization

/// The system's emergency state. A halted system denies every call at the Gate. The emergency stop (a later
/// issue) drives it; today it is set only from inside the daemon (and tests).
public final class EmergencySwitch: Sendable {
    private let halted = Atomic<Bool>(false)

    public init() {}

    public var isHalted: Bool { halted.load(ordering: .acquiring) }
    public var stateName: String { isHalted ? "halted" : "normal" }

    public func halt() { halted.store(true, ordering: .releasing) }
    public func resume() { halted.store(false, ordering: .releasing) }
}
