import Capabilities
import Policy

/// A person's login session as the recorder knows it: the kernel's audit session (`sessionid`, set by
/// pam_loginuid and inherited by every process of the session) and, once sshd's log has said so, who logged in
/// with which key from where.
public struct HumanSessionInfo: Hashable, Sendable {
    /// The kernel's audit session id.
    public let sessionID: UInt32
    /// The account the session logged in as (`loginuid`).
    public let loginUID: UInt32
    /// The session's first process (sshd's for an SSH login), whose exit ends the session; nil when the session's
    /// processes outlived it.
    public internal(set) var leader: Int32?
    public let startedAt: Timestamp
    public internal(set) var login: SSHLogin?
    /// Programs the session ran so far (every exec), and of those the ones whose argv was gone before it was read.
    public internal(set) var commands = 0
    public internal(set) var unreadCommands = 0

    /// Who, for a person reading a status: the operator, else the account sshd named, else the login uid.
    public var who: String { login?.operatorName ?? login?.user ?? "uid \(loginUID)" }
}

/// One `Accepted … for USER from IP port P ssh2: TYPE FINGERPRINT` of sshd's, with the operator the policy
/// gives that key to.
public struct SSHLogin: Hashable, Sendable {
    public let user: String
    public let method: String
    public let keyType: String?
    public let fingerprint: String?
    /// nil: the key is none of the policy's operators' (or the login used no key).
    public let operatorName: String?
    public let source: IPAddress
    public let port: UInt16
    /// The sshd process that logged it (from the journal's `_PID`), which is the session's leader.
    public let sshdPID: Int32?
    public let time: Timestamp

    /// `10.0.0.1 port 5555`.
    public var from: String { "\(source) port \(port)" }
}
