import Synchronization

/// How far a running ``LedgerVerifier`` has got, for a caller on another thread to show: entries read so far, over
/// every day file. Only a display: the verifier's report is the result.
public final class VerificationProgress: Sendable {
    private let checked = Atomic<Int>(0)

    public init() {}

    /// Entries read so far (counted in steps of ``step``, then exactly at the end of each day).
    public var entriesChecked: Int { checked.load(ordering: .relaxed) }

    static let step = 4096

    func add(_ count: Int) { checked.add(count, ordering: .relaxed) }
}
