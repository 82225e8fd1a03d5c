import Emergency
import Synchronization

/// The system's mode. In manual mode (after an emergency stop, until a signed resume) the Gate denies every call;
/// the check is one atomic load, so closing the Gate takes effect for the very next call.
public final class EmergencySwitch: Sendable {
    private let halted = Atomic<Bool>(false)
    private let current = Mutex<ManualModeRecord?>(nil)

    public init() {}

    public var isHalted: Bool { halted.load(ordering: .acquiring) }
    public var stateName: String { isHalted ? "halted" : "normal" }
    /// `autonomous`, or `manual` after an emergency stop.
    public var modeName: String { isHalted ? "manual" : "autonomous" }
    /// Why the system is in manual mode (nil when autonomous).
    public var record: ManualModeRecord? { current.withLock { $0 } }

    /// Enters manual mode; false (and the first record kept) when the system already was in it.
    @discardableResult
    public func halt(_ record: ManualModeRecord) -> Bool {
        current.withLock { current in
            halted.store(true, ordering: .releasing)
            guard current == nil else { return false }
            current = record
            return true
        }
    }

    /// Notes the ledger entry that recorded the stop.
    public func noteRecorded(auditID: String) { current.withLock { $0?.auditID = auditID } }

    public func resume() {
        current.withLock { current in
            current = nil
            halted.store(false, ordering: .releasing)
        }
    }
}
