import Capabilities
import Synchronization

/// What the analysis loop reports about itself (`GetAnalysis`, `aios-sec analysis status`, the console).
public final class AnalysisStatus: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var running = false
        /// "verified", or why the model was refused (the rule-based IDS alone runs then).
        public var modelState = "not loaded"
        public var modelIdentifier = ""
        public var lastWindowAt: Timestamp?
        public var lastScore: Double?
        public var lastWindowEvents = 0
        public var windows: UInt64 = 0
        public var escalations: UInt64 = 0
        public var escalationsRejected: UInt64 = 0
        public var escalationsFailed: UInt64 = 0
        /// "ready", or why escalation is off.
        public var escalationState = "off"
        public var threshold = 0.7
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ change: (inout Snapshot) -> Void) { state.withLock { change(&$0) } }
}
