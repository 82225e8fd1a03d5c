/// A string identifier whose kind is part of its type, so an agent name cannot be passed where a task id is
/// expected. Identity comes from authentication, never from a request field; these types only name things.
public struct Identifier<Kind: IdentifierKind>: RawRepresentable, Hashable, Comparable, Sendable,
    CustomStringConvertible, ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Marks what an ``Identifier`` names.
public protocol IdentifierKind: Sendable {}

public enum AgentKind: IdentifierKind {}
public enum RoleKind: IdentifierKind {}
public enum TaskKind: IdentifierKind {}
public enum GrantKind: IdentifierKind {}

/// The name of an agent (`aios-agent-system`, `task-0001`).
public typealias AgentName = Identifier<AgentKind>
/// The name of a role in policy (`aios-agent-network`).
public typealias RoleName = Identifier<RoleKind>
/// The orchestrator's task a temporary grant serves (`task-123`). Completing the task revokes its grants.
public typealias TaskID = Identifier<TaskKind>
/// Identifies one grant (`grant-000042`), for revocation and for the audit record of what decided.
public typealias GrantID = Identifier<GrantKind>
