import Crypto
import Foundation

/// The text operators sign to resume from manual mode. It names the host, a fresh nonce (one use), the stop it
/// ends, a digest of the state the operators looked at, and when it expires; the daemon accepts it only while all
/// of that is still true. Signed with `ssh-keygen -Y sign -n aios-resume`.
public struct ResumeChallenge: Sendable, Equatable {
    /// The SSHSIG namespace: a signature made for anything else (a git commit, a file) is refused.
    public static let namespace = "aios-resume"
    static let heading = "aiOS Security: resume from manual mode"

    public let host: String
    public let nonce: String
    public let stopID: String
    /// `sha256:` and hex, of ``stateDigest(of:)``'s input.
    public let state: String
    public let issuedAt: String
    public let expiresAt: String

    public init(host: String, nonce: String, stopID: String, state: String, issuedAt: String, expiresAt: String) {
        self.host = host
        self.nonce = nonce
        self.stopID = stopID
        self.state = state
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    /// A new challenge with 32 random bytes of nonce.
    public static func fresh(host: String, stopID: String, state: String, issuedAt: String, expiresAt: String)
        -> ResumeChallenge
    {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }
        return ResumeChallenge(
            host: host, nonce: nonce.joined(), stopID: stopID, state: state, issuedAt: issuedAt,
            expiresAt: expiresAt)
    }

    /// The exact text that is signed (ends with a newline).
    public var text: String {
        [
            Self.heading, "host: \(host)", "nonce: \(nonce)", "stop: \(stopID)", "state: \(state)",
            "issued: \(issuedAt)", "expires: \(expiresAt)",
        ].joined(separator: "\n") + "\n"
    }

    static let fields = ["host", "nonce", "stop", "state", "issued", "expires"]
    static let maximumLength = 2048

    /// Reads a challenge back; the text must be exactly what ``text`` writes.
    public init(parsing text: String) throws(EmergencyError) {
        guard text.utf8.count <= Self.maximumLength else {
            throw EmergencyError(.malformedChallenge, "the challenge is longer than \(Self.maximumLength) bytes")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count == Self.fields.count + 2, lines.first == Self.heading, lines.last == "" else {
            throw EmergencyError(
                .malformedChallenge, "not a resume challenge (it starts with '\(Self.heading)', 7 lines)")
        }
        var values: [String] = []
        for (index, field) in Self.fields.enumerated() {
            let line = lines[index + 1]
            guard line.hasPrefix(field + ": ") else {
                throw EmergencyError(.malformedChallenge, "line \(index + 2) of the challenge should be '\(field): …'")
            }
            values.append(String(line.dropFirst(field.count + 2)))
        }
        self.init(
            host: values[0], nonce: values[1], stopID: values[2], state: values[3], issuedAt: values[4],
            expiresAt: values[5])
        guard self.text == text else { throw EmergencyError(.malformedChallenge, "the challenge is not canonical") }
    }

    /// `sha256:<hex>` of the lines describing a state (the stop, the agents, the policy): the same lines give the
    /// same digest, any change another.
    public static func stateDigest(of lines: [String]) -> String {
        let digest = SHA256.hash(data: Data(lines.joined(separator: "\n").utf8))
        return "sha256:" + digest.map { String(format: "%02x", $0) }.joined()
    }
}
