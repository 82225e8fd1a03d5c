/// Errors of the firewall. Equality is on the kind, so tests and the daemon's status mapping compare kinds.
public struct FirewallError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The caller's input is wrong (a rule, an address, a duration): 65 at the CLI, invalid argument in gRPC.
        case invalidInput
        /// No such dynamic rule.
        case notFound
        /// A rule with the same id or the same meaning exists.
        case conflict
        /// nftables (or the namespace) is not usable here: 69 at the CLI, unavailable in gRPC.
        case unavailable
        /// The kernel refused a transaction; nothing of it was applied.
        case rejected
        /// The state file cannot be read or written.
        case state
    }

    public let kind: Kind
    public let message: String
    public let file: String
    public let line: Int

    public var description: String { message }

    public static func == (lhs: FirewallError, rhs: FirewallError) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    public static func invalidInput(_ message: String, file: String = #fileID, line: Int = #line) -> FirewallError {
        FirewallError(kind: .invalidInput, message: message, file: file, line: line)
    }
    public static func notFound(_ message: String, file: String = #fileID, line: Int = #line) -> FirewallError {
        FirewallError(kind: .notFound, message: message, file: file, line: line)
    }
    public static func conflict(_ message: String, file: String = #fileID, line: Int = #line) -> FirewallError {
        FirewallError(kind: .conflict, message: message, file: file, line: line)
    }
    public static func unavailable(_ message: String, file: String = #fileID, line: Int = #line) -> FirewallError {
        FirewallError(kind: .unavailable, message: message, file: file, line: line)
    }
    public static func rejected(_ message: String, file: String = #fileID, line: Int = #line) -> FirewallError {
        FirewallError(kind: .rejected, message: message, file: file, line: line)
    }
    public static func state(_ message: String, file: String = #fileID, line: Int = #line) -> FirewallError {
        FirewallError(kind: .state, message: message, file: file, line: line)
    }
}
