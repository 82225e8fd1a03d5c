/// Errors of the audit module. The Gate treats any of them as "the action may not proceed".
public struct AuditError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case storage
        case tampered
        case input
        case closed
        case notFound
        case key
    }

    let code: Code
    public let message: String

    public var description: String { message }

    public static func == (lhs: AuditError, rhs: AuditError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The ledger could not read or write its files (disk full, permissions, a corrupt file).
    static func storage(_ message: String) -> AuditError { AuditError(code: .storage, message: message) }
    /// Stored data contradicts its hashes or signatures.
    static func tampered(_ message: String) -> AuditError { AuditError(code: .tampered, message: message) }
    /// An entry or a query that cannot be accepted.
    public static func input(_ message: String) -> AuditError { AuditError(code: .input, message: message) }
    /// The ledger was closed.
    static let closed = AuditError(code: .closed, message: "the audit ledger is closed")
    static func notFound(_ message: String) -> AuditError { AuditError(code: .notFound, message: message) }
    /// The checkpoint key is missing or unreadable.
    static func key(_ message: String) -> AuditError { AuditError(code: .key, message: message) }

    public var isTampering: Bool { code == .tampered }
    public var isInput: Bool { code == .input }
    public var isNotFound: Bool { code == .notFound }
}
