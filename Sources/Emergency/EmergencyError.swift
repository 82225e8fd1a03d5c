/// What went wrong in the emergency machinery: a manual-mode file that cannot be read or written, a malformed or
/// stale resume challenge, a signature that does not verify. The message says what and where.
public struct EmergencyError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The manual-mode file (or the cgroups, the kernel command line) could not be read or written.
        case io
        /// A resume challenge that is not one this daemon wrote.
        case malformedChallenge
        /// A challenge that was never issued, was already used, has expired, or describes a state that changed.
        case staleChallenge
        /// A signature that does not verify for any registered operator in the resume namespace.
        case badSignature
        /// Not enough different operators signed.
        case quorum
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
