import Capabilities
import Foundation

/// Emergency access: who the human operators are (their SSH keys sign the resume challenge and open the SSH
/// console), how many must agree to resume, how long frozen agents wait before they are killed, and the SSH
/// console's port. The policy file's `emergency:` section; the defaults have no operators, so nobody can resume
/// a stopped system until the policy names one.
public struct EmergencyPolicy: Sendable, Equatable {
    /// A person who may resume the system and log in on the SSH console.
    public struct Operator: Sendable, Equatable {
        public let name: String
        public let sshKeys: [SSHPublicKey]

        public init(name: String, sshKeys: [SSHPublicKey]) {
            self.name = name
            self.sshKeys = sshKeys
        }
    }

    public var operators: [Operator]
    /// How many different operators must sign a resume (1 or 2).
    public var resumeQuorum: Int
    /// Agents stay frozen this long after an emergency stop, then are killed; nil: they stay frozen until resumed.
    public var freezeTimeout: GrantDuration?
    /// How long a resume challenge can be signed and presented.
    public var challengeLifetime: GrantDuration
    /// The port the SSH console listens on (it must also be one of the firewall's management ports).
    public var sshPort: UInt16

    public init(
        operators: [Operator] = [], resumeQuorum: Int = 1, freezeTimeout: GrantDuration? = .seconds(300),
        challengeLifetime: GrantDuration = .seconds(600), sshPort: UInt16 = 22
    ) {
        self.operators = operators
        self.resumeQuorum = resumeQuorum
        self.freezeTimeout = freezeTimeout
        self.challengeLifetime = challengeLifetime
        self.sshPort = sshPort
    }

    public static let `default` = EmergencyPolicy()

    public func `operator`(named name: String) -> Operator? { operators.first { $0.name == name } }
}

/// One OpenSSH public key as `authorized_keys` writes it: `TYPE BASE64 [COMMENT]`. Checked on load: a known key
/// type, valid base64, and a key blob that names the same type.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    public let type: String
    /// The key blob (what SSH fingerprints hash).
    public let blob: [UInt8]
    public let comment: String

    public static let knownTypes: Set<String> = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// `TYPE BASE64` (the comment left out: it is free text and never needed to verify).
    public var description: String { type + " " + Data(blob).base64EncodedString() }

    public init(parsing line: String) throws(SSHKeyError) {
        let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard words.count >= 2 else { throw SSHKeyError("expected 'TYPE BASE64 [COMMENT]'") }
        let type = String(words[0])
        guard Self.knownTypes.contains(type) else {
            throw SSHKeyError(
                "unknown key type '\(type)' (\(Self.knownTypes.sorted().joined(separator: ", ")))")
        }
        guard let data = Data(base64Encoded: String(words[1])), data.count >= 4 else {
            throw SSHKeyError("the key is not valid base64")
        }
        let blob = [UInt8](data)
        let length = blob.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard length <= blob.count - 4, String(decoding: blob[4..<(4 + length)], as: UTF8.self) == type else {
            throw SSHKeyError("the key's data is not a '\(type)' key")
        }
        self.type = type
        self.blob = blob
        self.comment = words.count > 2 ? String(words[2]) : ""
    }
}

/// Why an SSH public key line was refused.
public struct SSHKeyError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
