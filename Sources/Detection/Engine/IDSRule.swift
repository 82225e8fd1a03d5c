/// Which detection fired: the `rule` of a block and of its `security_alert`.
public enum IDSRule: String, Hashable, Sendable, CaseIterable {
    /// Failed SSH login attempts from one source (sshd's log).
    case bruteForce = "brute_force"
    /// Failed authentications at the product's own doors (mTLS, console).
    case authenticationFailures = "auth_failures"
    /// Many distinct ports or addresses touched by one source.
    case portScan = "port_scan"
    /// An inbound attempt to a port nothing may listen on.
    case unexpectedPort = "unexpected_port"

    /// Whether anyone can make the evidence with a forged source address: the packet rules count bare SYNs, logged
    /// before any handshake. Failed logins need a completed handshake (sshd's line, the daemon's mTLS handshake).
    public var isSpoofable: Bool { self == .portScan || self == .unexpectedPort }
}
