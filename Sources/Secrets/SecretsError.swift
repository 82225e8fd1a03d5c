/// Errors of the secrets module. None ever carries a secret value, a passphrase or key material.
public struct SecretsError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case format
        case unsupported
        case authentication
        case input
        case key
        case io
        case keyring
    }

    let code: Code
    public let message: String

    public var description: String { message }

    public static func == (lhs: SecretsError, rhs: SecretsError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The file is not a sealed file, or is truncated or malformed (says where).
    static func format(_ message: String) -> SecretsError { SecretsError(code: .format, message: message) }
    /// A version, KDF or cipher this build does not know, or parameters beyond its limits.
    static func unsupported(_ message: String) -> SecretsError { SecretsError(code: .unsupported, message: message) }
    /// Wrong passphrase or key, or the file was modified: the two cannot be told apart, by design.
    static let authentication = SecretsError(
        code: .authentication,
        message: "cannot open the sealed file: wrong passphrase or key, or the file was modified")
    /// Bad input: a name, a value, a missing secret or rule.
    public static func input(_ message: String) -> SecretsError { SecretsError(code: .input, message: message) }
    static func key(_ message: String) -> SecretsError { SecretsError(code: .key, message: message) }
    static func io(_ message: String) -> SecretsError { SecretsError(code: .io, message: message) }

    public var isAuthenticationFailure: Bool { code == .authentication }
    public var isFormat: Bool { code == .format || code == .unsupported }
}
