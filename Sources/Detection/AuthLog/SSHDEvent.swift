import Capabilities
import Policy

/// What one sshd (or PAM-in-sshd) log line says about a connection, reduced to what attempt counting needs.
public struct SSHDEvent: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// `Failed password for [invalid user] U from IP port P ssh2` (and `keyboard-interactive/pam`): one attempt.
        /// `Failed none|publickey|hostbased` lines are no attempt of their own and are skipped as irrelevant.
        case failedPassword = "failed_password"
        /// `Invalid user U from IP port P`: opens a connection for an unknown user.
        case invalidUser = "invalid_user"
        /// `pam_unix(sshd:auth): authentication failure; … rhost=IP`: PAM's view of a password attempt.
        case pamFailure = "pam_failure"
        /// `maximum authentication attempts exceeded for …`: the end of a connection that hit MaxAuthTries.
        case maximumAttempts = "maximum_attempts"
        /// `Connection closed|reset by …`, `Disconnected from …`, `Received disconnect from …`, `Disconnecting …`,
        /// `Timeout before authentication for …`: the connection is over.
        case connectionEnd = "connection_end"
        /// `Accepted password|publickey for U from IP port P ssh2`.
        case accepted
    }

    public let kind: Kind
    /// When the line was logged (or read, for lines without a timestamp).
    public let time: Timestamp
    public let source: IPAddress
    /// The client's TCP port: with the source, the connection the line belongs to; 0 when the line has none
    /// (PAM lines).
    public let port: UInt16
    /// The sshd process, when the line names it.
    public let pid: Int32?
    /// For ``Kind/accepted``: who logged in, how, and with which key.
    public let login: AcceptedLogin?

    public init(
        kind: Kind, time: Timestamp, source: IPAddress, port: UInt16, pid: Int32?, login: AcceptedLogin? = nil
    ) {
        self.kind = kind
        self.time = time
        self.source = source
        self.port = port
        self.pid = pid
        self.login = login
    }
}

/// What `Accepted METHOD for USER from IP port P ssh2[: KEYTYPE SHA256:FINGERPRINT]` says besides the source: the
/// account, the method, and for a key the key's type and fingerprint as sshd prints them (`ED25519`,
/// `SHA256:…` — unpadded base64 of the SHA-256 of the key blob).
public struct AcceptedLogin: Hashable, Sendable {
    public let user: String
    /// `publickey`, `password`, `keyboard-interactive/pam`, `hostbased`, …
    public let method: String
    public let keyType: String?
    public let fingerprint: String?

    public init(user: String, method: String, keyType: String? = nil, fingerprint: String? = nil) {
        self.user = user
        self.method = method
        self.keyType = keyType
        self.fingerprint = fingerprint
    }
}

/// Why a line produced no event: not sshd's, a message that says nothing about authentication, or a line that
/// looks like one of sshd's authentication messages but could not be read (counted, so a format change shows).
public enum AuthLogSkip: String, Hashable, Sendable {
    case otherProgram = "other_program"
    case irrelevant
    case malformed
}
