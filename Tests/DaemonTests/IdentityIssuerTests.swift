import Crypto
import Foundation
import Testing
import X509

@testable import Daemon
@testable import PKI
@testable import Secrets

/// RenewIdentity's rules, against a real CA: a caller renews into its own identity only, while its certificate is
/// current and not revoked.
@Suite struct IdentityIssuerTests {
    let directory: String
    let issuer: IdentityIssuer
    let agent: SPIFFEID
    /// The one time the whole test runs at, the CA's creation included (under load, real time moves on between the
    /// two, and the CA's own certificates would start after the leaves it signs).
    let now: Date

    init() throws {
        now = Date()
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("aios-issuer-\(UUID().uuidString)")
            .path
        var material = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let source = try KeyFileKey(material: SecretBytes(consuming: &material))
        let authority = try CertificateAuthority.initialise(
            directory: directory + "/pki", vault: nil, keySource: source, now: now)
        issuer = IdentityIssuer(
            state: DaemonState(directory: directory), authority: SharedAuthority(authority), lifetime: 15)
        agent = try SPIFFEID(kind: .agent, name: "aios-agent-task")
    }

    /// A current certificate for `identity`, as the caller would present it.
    private func presented(_ identity: SPIFFEID, lifetime: TimeInterval = 15, at time: Date? = nil) throws
        -> Certificate
    {
        let (_, request) = try WorkloadIdentity.request(for: identity)
        return try issuer.authority.withLock { (ca: CertificateAuthority) throws(PKIError) in
            try ca.sign(request, identity: identity, lifetime: lifetime, now: time ?? now).certificate
        }
    }

    private func csr(naming identity: SPIFFEID?) throws -> String {
        let key = P256.Signing.PrivateKey()
        var attributes = CertificateSigningRequest.Attributes()
        if let identity {
            attributes = CertificateSigningRequest.Attributes([
                try CertificateSigningRequest.Attribute(
                    ExtensionRequest(
                        extensions: try Certificate.Extensions {
                            SubjectAlternativeNames([.uniformResourceIdentifier(identity.uri)])
                        }))
            ])
        }
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("anything") },
            privateKey: Certificate.PrivateKey(key), attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        return try request.serializeAsPEM().pemString
    }

    @Test func aCallerGetsItsOwnIdentityWhateverTheCSRSays() throws {
        let caller = Caller(identity: agent, serial: "1")
        let (issued, bundle) = try issuer.renew(
            caller: caller, presented: try presented(agent), csrPEM: try csr(naming: nil), now: now)
        #expect(issued.certificate.uriNames == [agent.uri])
        #expect(issued.notAfter.timeIntervalSince(now) <= 15.5, "the daemon's lifetime, not the CA's default")
        #expect(bundle.contains("BEGIN CERTIFICATE"))
    }

    @Test func aCSRNamingAnotherIdentityIsRefused() throws {
        let caller = Caller(identity: agent, serial: "1")
        let orchestrator = try SPIFFEID(kind: .service, name: "orchestrator")
        #expect(throws: PKIError(.request, "")) {
            try issuer.renew(
                caller: caller, presented: try presented(agent), csrPEM: try csr(naming: orchestrator), now: now)
        }
    }

    @Test func anExpiredCertificateCannotRenewOverAnOpenConnection() throws {
        let caller = Caller(identity: agent, serial: "1")
        let old = try presented(agent, lifetime: 15, at: now - 60)
        #expect(throws: PKIError(.expired, "")) {
            try issuer.renew(caller: caller, presented: old, csrPEM: try csr(naming: nil), now: now)
        }
    }

    @Test func aRevokedIdentityCannotRenew() throws {
        let caller = Caller(identity: agent, serial: "1")
        let current = try presented(agent)
        _ = try issuer.authority.withLock { (ca: CertificateAuthority) throws(PKIError) in
            try ca.revoke(identity: agent, reason: "test")
        }
        #expect(throws: PKIError(.revoked, "")) {
            try issuer.renew(caller: caller, presented: current, csrPEM: try csr(naming: nil), now: now)
        }
    }

    @Test func theDaemonsOwnIdentityIsNotRenewedOverTheAPI() throws {
        let server = try SPIFFEID(kind: .service, name: DaemonState.serverIdentity)
        #expect(throws: PKIError(.request, "")) {
            try issuer.renew(
                caller: Caller(identity: server, serial: "1"), presented: try presented(server),
                csrPEM: try csr(naming: nil), now: now)
        }
    }

    @Test func aShortLivedCertificateIsNotDueTheMomentItIsIssued() throws {
        let holder = WorkloadIdentity(directory: directory + "/holder")
        let managed = ManagedIdentity(name: "x", identity: agent, holder: holder)
        #expect(try issuer.renewDue([managed], now: now) == ["x"])
        #expect(try !holder.needsRenewal(at: now + 5, jitter: 1), "15 s life: due after about 9 s")
        #expect(try holder.needsRenewal(at: now + 12, jitter: 1))
        #expect(try issuer.renewDue([managed], now: now + 1) == [], "not renewed again before it is due")
        // 15 s life backdated 3.75 s: due at 2/3 of 18.75 s ± 10 %, 7.5 to 10 s after issue, wherever its jitter.
        #expect(try issuer.renewDue([managed], now: now + 7.4) == [])
        #expect(try issuer.renewDue([managed], now: now + 10.1) == ["x"])
    }
}
