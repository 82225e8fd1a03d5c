/// Errors of the internal CA. None carries key material.
public struct PKIError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        /// An identity outside the trust domain, or not a valid SPIFFE ID.
        case identity
        /// A request that is malformed or does not match what it claims.
        case request
        /// The CA is missing, not initialised, or already initialised.
        case state
        /// The identity or serial is revoked.
        case revoked
        /// The certificate presented has expired.
        case expired
        /// Files could not be read or written.
        case io
        /// Sealing or unsealing a CA key failed.
        case key
    }

    public let code: Code
    public let message: String
    public var description: String { message }

    /// Errors compare by kind: the message is for people.
    public static func == (lhs: PKIError, rhs: PKIError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
