/// How dangerous a tool is. `high` and `critical` calls wait for the orchestrator's confirmation.
public enum RiskLevel: String, CaseIterable, Comparable, Hashable, Sendable, CustomStringConvertible {
    case low
    case medium
    case high
    case critical

    public var requiresConfirmation: Bool { self >= .high }

    public var description: String { rawValue }

    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
