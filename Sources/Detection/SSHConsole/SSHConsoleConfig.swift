import Policy

/// The SSH emergency console as sshd configuration, from the policy: an sshd drop-in, the authorized keys file it
/// points to (the operators' keys, each line naming its operator) and the login banner. Rendering is
/// deterministic: the same policy and state give the same bytes.
///
/// What the drop-in enforces (sshd takes the first value it reads for most keywords, so the drop-in must be read
/// before anything else — its name starts with `00-`, and ``SSHConsoleInstaller`` checks the effective values):
/// - only `root`, and only from the management subnets (`AllowUsers root@CIDR …`; sshd cannot bind to a subnet,
///   so it listens on every address and refuses any other source after the TCP handshake — the firewall's
///   management rule is what keeps others from reaching the port at all). No management subnet: loopback only.
/// - keys only (`AuthenticationMethods publickey`, no passwords, no keyboard-interactive, no host-based, no
///   certificate authorities, no key command) and only the policy's keys (`AuthorizedKeysFile` is this file, so
///   a key planted in `~/.ssh/authorized_keys` opens nothing).
/// - `UsePAM yes`, so pam_loginuid gives the session the audit session id every recorded command carries.
/// - `LogLevel VERBOSE`, so sshd logs the fingerprint of the key that logged in.
/// - no forwarding, no tunnels, no user environment.
public struct SSHConsoleConfig: Sendable, Equatable {
    public static let dropInName = "00-aios-console.conf"

    public let port: UInt16
    public let management: [IPPrefix]
    public let operators: [EmergencyPolicy.Operator]
    public let authorizedKeysPath: String
    public let bannerPath: String

    /// Refuses a policy without operators: the console would let nobody in.
    public init(policy: SecurityPolicy, authorizedKeysPath: String, bannerPath: String) throws(SSHConsoleError) {
        try self.init(
            emergency: policy.emergency, management: policy.firewall.management,
            authorizedKeysPath: authorizedKeysPath, bannerPath: bannerPath)
    }

    public init(
        emergency: EmergencyPolicy, management: [IPPrefix], authorizedKeysPath: String, bannerPath: String
    ) throws(SSHConsoleError) {
        guard !emergency.operators.isEmpty else {
            throw SSHConsoleError(
                "the policy names no operators (emergency.operators): the SSH console would let nobody in")
        }
        for path in [authorizedKeysPath, bannerPath] where !Self.isPlainPath(path) {
            throw SSHConsoleError(
                "'\(path)' must be an absolute path without spaces, quotes, '%' or control characters")
        }
        port = emergency.sshPort
        self.management = management
        operators = emergency.operators
        self.authorizedKeysPath = authorizedKeysPath
        self.bannerPath = bannerPath
    }

    /// `AllowUsers` patterns: root from each management subnet, or from loopback when there is none.
    public var allowedSources: [String] {
        management.isEmpty ? ["127.0.0.1", "::1"] : management.map { $0.description }
    }

    public func dropIn() -> String {
        let sources = allowedSources.map { "root@" + $0 }.joined(separator: " ")
        let scope =
            management.isEmpty
            ? "# No management subnet in the policy: root may log in from loopback only."
            : "# Root may log in only from the management subnets: \(allowedSources.joined(separator: ", "))."
        return """
            # aiOS emergency SSH console, written by `aios-sec ssh apply` from the policy. Do not edit: the next
            # apply replaces it. sshd keeps the first value it reads, so this file must sort before the others.
            \(scope)
            Port \(port)
            AllowUsers \(sources)
            PermitRootLogin prohibit-password
            AuthenticationMethods publickey
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            HostbasedAuthentication no
            PermitEmptyPasswords no
            AuthorizedKeysFile \(authorizedKeysPath)
            AuthorizedKeysCommand none
            AuthorizedPrincipalsFile none
            TrustedUserCAKeys none
            UsePAM yes
            LogLevel VERBOSE
            Banner \(bannerPath)
            DisableForwarding yes
            PermitTunnel no
            PermitUserEnvironment no
            MaxAuthTries 3
            LoginGraceTime 30

            """
    }

    /// One line per key: `TYPE BASE64 aios-operator:NAME`, operators and keys in the policy's order.
    public func authorizedKeys() -> String {
        var lines = ["# aiOS emergency console operators, written by `aios-sec ssh apply` from the policy."]
        for person in operators {
            for key in person.sshKeys { lines.append("\(key.description) aios-operator:\(person.name)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// An absolute path sshd reads as one word and expands nothing in.
    static func isPlainPath(_ path: String) -> Bool {
        path.hasPrefix("/")
            && !path.unicodeScalars.contains {
                $0.value < 0x21 || $0.value == 0x7F || "\"'%#\\".unicodeScalars.contains($0)
            }
    }
}

/// Why the SSH console could not be rendered or installed.
public struct SSHConsoleError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
