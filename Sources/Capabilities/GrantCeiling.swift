/// The most a role's members may ever be granted: a capability is within the ceiling when one `allowed`
/// capability covers it entirely and it overlaps no `excluded` capability (so `fs:*:*` is refused when writes
/// under the product's own state are excluded, even though `fs:*` covers it).
public struct GrantCeiling: Hashable, Sendable {
    public let allowed: [Capability]
    public let excluded: [Capability]
    private let admitsEverything: Bool

    public init(allowed: [Capability], excluded: [Capability] = []) {
        self.allowed = allowed
        self.excluded = excluded
        self.admitsEverything = false
    }

    /// A ceiling that admits nothing.
    public static let none = GrantCeiling(allowed: [])

    /// A ceiling that admits every capability. Policy files cannot express it; it exists for workloads that
    /// define no ceilings (the authorization benchmark) and for tests.
    public static let uncheckedUnlimited = GrantCeiling(unlimited: ())

    private init(unlimited: Void) {
        allowed = []
        excluded = []
        admitsEverything = true
    }

    public func admits(_ capability: Capability) -> CeilingVerdict {
        if admitsEverything { return .within(coveredBy: capability) }
        guard let cover = allowed.first(where: { $0.covers(capability) }) else { return .outside(.notCovered) }
        if let clash = excluded.first(where: { $0.overlaps(capability) }) { return .outside(.excluded(by: clash)) }
        return .within(coveredBy: cover)
    }
}

public enum CeilingVerdict: Hashable, Sendable {
    case within(coveredBy: Capability)
    case outside(CeilingViolation)
}

public enum CeilingViolation: Hashable, Sendable, CustomStringConvertible {
    /// No capability of the ceiling covers the requested one entirely.
    case notCovered
    /// The requested capability reaches into something the ceiling always excludes.
    case excluded(by: Capability)

    public var description: String {
        switch self {
        case .notCovered: "not covered by the role's grant ceiling"
        case .excluded(let clash): "reaches into '\(clash)', which the grant ceiling excludes"
        }
    }
}
