/// Why a guard refused its input: what was wrong and where, never the secret or the whole untrusted text.
public struct GuardError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
