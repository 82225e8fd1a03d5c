import Audit
import Foundation
import Policy

/// Which operator a key belongs to, by the fingerprint sshd logs (`SHA256:` and the unpadded base64 of the
/// SHA-256 of the key blob, as `ssh-keygen -l` prints it).
public struct OperatorKeys: Sendable, Hashable {
    private let owners: [String: String]

    public init(_ operators: [EmergencyPolicy.Operator]) {
        var owners: [String: String] = [:]
        for person in operators {
            for key in person.sshKeys { owners[Self.fingerprint(of: key)] = person.name }
        }
        self.owners = owners
    }

    /// The operator whose key has `fingerprint`, or nil (a key that is not in the policy).
    public func `operator`(fingerprint: String) -> String? { owners[fingerprint] }

    public static func fingerprint(of key: SSHPublicKey) -> String {
        var text = Hash32.sha256(Data(key.blob)).base64
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }
}
