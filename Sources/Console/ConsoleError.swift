/// What went wrong in the console: a value with a code tests compare and a message safe to show the operator
/// (never a token, a cookie or a path outside the state directory).
public struct ConsoleError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A file of the console's state could not be written or read.
        case io
        /// An option or an address the console was given is not usable.
        case configuration
        /// The name is not a registered operator.
        case unknownOperator
    }

    public let code: Code
    public let message: String

    public var description: String { message }

    public static func io(_ message: String) -> ConsoleError { ConsoleError(code: .io, message: message) }

    public static func configuration(_ message: String) -> ConsoleError {
        ConsoleError(code: .configuration, message: message)
    }

    public static func unknownOperator(_ name: String) -> ConsoleError {
        ConsoleError(
            code: .unknownOperator,
            message: "'\(name)' is not an operator in the policy (emergency.operators); only they may log in")
    }

    public static func == (lhs: ConsoleError, rhs: ConsoleError) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
