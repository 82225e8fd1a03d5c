import Emergency
import Foundation
import Policy
import SecurityTesting
import Testing

@Suite("Operators' signatures of a resume challenge, checked by ssh-keygen")
struct OperatorSignatureTests {
    let alice: SSHKeyPair
    let bob: SSHKeyPair
    let signatures: OperatorSignatures
    let challenge = ResumeChallenge.fresh(
        host: "gw", stopID: "stop-0123456789abcdef", state: ResumeChallenge.stateDigest(of: ["a"]),
        issuedAt: "2026-12-03T12:00:00Z", expiresAt: "2026-12-03T12:10:00Z"
    ).text

    init() throws {
        alice = try SSHKeyPair(name: "alice")
        bob = try SSHKeyPair(name: "bob")
        signatures = OperatorSignatures(operators: [
            .init(name: "alice", sshKeys: [try SSHPublicKey(parsing: alice.publicKeyLine)]),
            .init(name: "bob", sshKeys: [try SSHPublicKey(parsing: bob.publicKeyLine)]),
        ])
    }

    @Test("a registered operator's signature in the resume namespace names that operator")
    func goodSignature() throws {
        defer { alice.remove(); bob.remove() }
        #expect(try signatures.signer(of: alice.sign(challenge), message: challenge) == "alice")
        #expect(try signatures.signer(of: bob.sign(challenge), message: challenge) == "bob")
    }

    @Test("a signature in another namespace (a git commit's, a file's) is refused")
    func wrongNamespace() throws {
        defer { alice.remove(); bob.remove() }
        let signature = try alice.sign(challenge, namespace: "git")
        #expect(throws: EmergencyError.self) { try signatures.signer(of: signature, message: challenge) }
    }

    @Test("a key nobody registered is refused, however valid its signature")
    func unknownKey() throws {
        let mallory = try SSHKeyPair(name: "mallory")
        defer { alice.remove(); bob.remove(); mallory.remove() }
        let error = #expect(throws: EmergencyError.self) {
            try signatures.signer(of: mallory.sign(challenge), message: challenge)
        }
        #expect(error?.code == .badSignature)
    }

    @Test("a signature of another text (an older challenge) does not verify for this one")
    func otherMessage() throws {
        defer { alice.remove(); bob.remove() }
        let older = challenge.replacingOccurrences(of: "stop-0123456789abcdef", with: "stop-fedcba9876543210")
        let signature = try alice.sign(older)
        let error = #expect(throws: EmergencyError.self) { try signatures.signer(of: signature, message: challenge) }
        #expect(error?.code == .badSignature)
    }

    @Test("garbage, oversized input and a policy without operators are refused before ssh-keygen runs")
    func garbage() throws {
        defer { alice.remove(); bob.remove() }
        #expect(throws: EmergencyError.self) { try signatures.signer(of: "hello", message: challenge) }
        let huge = "-----BEGIN SSH SIGNATURE-----\n" + String(repeating: "A", count: 20_000)
        #expect(throws: EmergencyError.self) { try signatures.signer(of: huge, message: challenge) }
        let nobody = OperatorSignatures(operators: [])
        #expect(throws: EmergencyError.self) { try nobody.signer(of: alice.sign(challenge), message: challenge) }
    }
}
