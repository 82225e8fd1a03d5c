import Crypto
import Foundation
import Testing
import X509

@testable import PKI
@testable import Secrets

@Suite("The internal CA: rotation, sealing, renewal, identities")
struct CALifecycleTests {
    @Test(
        "SPIFFE IDs: only aios.local, a known kind and a plain name",
        arguments: [
            ("spiffe://aios.local/agent/aios-agent-system", true), ("spiffe://aios.local/service/aios-sec", true),
            ("spiffe://aios.local/operator/alice", true), ("spiffe://evil.example/agent/x", false),
            ("spiffe://aios.local.evil/agent/x", false), ("spiffe://aios.local/robot/x", false),
            ("spiffe://aios.local/agent/a/b", false), ("spiffe://aios.local/agent/..", false),
            ("spiffe://aios.local/agent/", false), ("https://aios.local/agent/x", false),
            ("spiffe://AIOS.LOCAL/agent/x", false), ("spiffe://aios.local/agent/x y", false),
        ])
    func identities(uri: String, valid: Bool) {
        #expect(((try? SPIFFEID(parsing: uri)) != nil) == valid)
    }

    @Test("rotation: a new intermediate issues, the old one stays in the bundle while its leaves live, then leaves")
    func rotationOverlap() async throws {
        let start = Date()
        let fixture = try PKIFixture(now: start)
        let first = fixture.authority.currentIntermediate
        let (_, early) = try fixture.issue("spiffe://aios.local/agent/a", now: start)
        let later = start + 30 * 86_400 + 60
        #expect(later >= fixture.authority.intermediateRotationDue)
        let (_, late) = try fixture.issue("spiffe://aios.local/agent/b", now: later)
        let second = fixture.authority.currentIntermediate
        #expect(second.serialNumber != first.serialNumber, "issuing after 30 days rotated the intermediate first")
        #expect(late.intermediate.serialNumber == second.serialNumber)

        // The early leaf lives a day from `start`: both intermediates are in the bundle meanwhile, only the new
        // one afterwards.
        let whileLive = fixture.authority.state.liveIntermediates(at: start + 3600).map(\.serial)
        #expect(whileLive.contains(first.serialNumber.hex) && whileLive.contains(second.serialNumber.hex))
        let afterwards = fixture.authority.trustBundle(at: later).map(\.serialNumber)
        #expect(afterwards == [fixture.authority.root.serialNumber, second.serialNumber])

        let verifier = WorkloadVerifier(bundle: [fixture.authority.root, first, second], denyList: DenyList())
        #expect(try await verifier.verify(early.certificate, at: start + 3600).get().name == "a")
        #expect(try await verifier.verify(late.certificate, at: later + 3600).get().name == "b")
        let expired = await verifier.verify(early.certificate, at: later)
        #expect(throws: PKIError.self, "expired") { try expired.get() }
    }

    @Test("CA keys are on disk only sealed; the wrong key cannot open them; a reopened CA keeps issuing")
    func sealing() throws {
        let fixture = try PKIFixture()
        let rootKeyFile = try Data(contentsOf: URL(fileURLWithPath: fixture.pki + "/root.key.sealed"))
        #expect(rootKeyFile.prefix(8) == Data("AIOSSEAL".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: fixture.pki + "/root.key.sealed")[.posixPermissions]
        #expect(mode as? Int == 0o600)
        for file in try FileManager.default.subpathsOfDirectory(atPath: fixture.pki) {
            let text = (try? String(contentsOfFile: fixture.pki + "/" + file, encoding: .utf8)) ?? ""
            #expect(!text.contains("PRIVATE KEY"), "\(file) holds a clear-text key")
        }
        var wrong = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let wrongSource = try KeyFileKey(material: SecretBytes(consuming: &wrong))
        let reopened = try CertificateAuthority.open(directory: fixture.pki, vault: nil) { () throws(PKIError) in
            wrongSource
        }
        #expect(throws: PKIError(.key, "")) { try reopened.rotateIntermediate() }
        let good = try CertificateAuthority.open(directory: fixture.pki, vault: nil) { () throws(PKIError) in
            fixture.keySource
        }
        let (_, request) = try WorkloadIdentity.request(for: try SPIFFEID(parsing: "spiffe://aios.local/agent/x"))
        let issued = try good.sign(request)
        #expect(issued.intermediate.serialNumber == fixture.authority.currentIntermediate.serialNumber)
        #expect(try good.issuedCount() == 1)
    }

    @Test("the issuing key is held in the keyring vault, so a reopened CA issues without unsealing")
    func vaultHeldKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-pki-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vault = try KeyringVault.openOrCreate(name: "aios:vault:test-\(UUID().uuidString)")
        defer { try? vault.destroy() }
        var material = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let source = try KeyFileKey(material: SecretBytes(consuming: &material))
        let authority = try CertificateAuthority.initialise(directory: directory, vault: vault, keySource: source)
        #expect(try vault.list().map(\.name) == ["pki-issuing-\(authority.currentIntermediate.serialNumber.hex)"])
        let reopened = try CertificateAuthority.open(directory: directory, vault: vault) { () throws(PKIError) in
            throw PKIError(.key, "must not be asked")
        }
        let (_, request) = try WorkloadIdentity.request(for: try SPIFFEID(parsing: "spiffe://aios.local/agent/x"))
        #expect(throws: Never.self) { try reopened.sign(request) }
    }

    @Test("leaf lifetime: 24 h by default, at most 30 days, never beyond the issuer")
    func lifetimes() throws {
        let fixture = try PKIFixture()
        let (_, request) = try WorkloadIdentity.request(for: try SPIFFEID(parsing: "spiffe://aios.local/agent/x"))
        let now = Date()
        let standard = try fixture.authority.sign(request, now: now)
        #expect(abs(standard.notAfter.timeIntervalSince(now) - 86_400) < 2)
        #expect(throws: PKIError(.request, "")) { try fixture.authority.sign(request, lifetime: 31 * 86_400) }
        let longest = try fixture.authority.sign(request, lifetime: 30 * 86_400, now: now)
        #expect(longest.notAfter <= fixture.authority.currentIntermediate.notValidAfter)
        #expect(throws: PKIError(.request, "")) { try fixture.authority.sign(request, identity: nil, lifetime: 0) }
    }

    @Test("renewal falls at 2/3 of the lifetime, moved at most ±10 % of that point")
    func renewalPoint() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        let end = start + 86_400
        #expect(RenewalSchedule.renewalTime(notBefore: start, notAfter: end, jitter: 0) == start + 57_600)
        #expect(RenewalSchedule.renewalTime(notBefore: start, notAfter: end, jitter: 1) == start + 63_360)
        #expect(RenewalSchedule.renewalTime(notBefore: start, notAfter: end, jitter: -5) == start + 51_840)
        for _ in 0..<100 {
            let point = RenewalSchedule.renewalTime(notBefore: start, notAfter: end)
            #expect(point >= start + 51_840 && point <= start + 63_360)
        }
    }

    @Test("a revoked identity gets no new certificate until it is reinstated")
    func identityRevocation() throws {
        let fixture = try PKIFixture()
        let (_, issued) = try fixture.issue("spiffe://aios.local/agent/rogue")
        let subject = issued.identity
        #expect(try fixture.authority.revoke(identity: subject, reason: "compromised") == [issued.serial])
        #expect(fixture.authority.denyList().reason(for: issued.certificate) != nil)
        #expect(throws: PKIError(.revoked, "")) { try fixture.issue(subject.uri) }
        try fixture.authority.reinstate(identity: subject)
        #expect(throws: Never.self) { try fixture.issue(subject.uri) }
    }
}
