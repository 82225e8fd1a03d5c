import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import PKI
@testable import Secrets

@Suite("The internal CA against the real OpenSSL")
struct OpenSSLInteropTests {
    @Test("openssl verify accepts an issued chain, for TLS clients and servers")
    func verifiesChain() throws {
        let fixture = try PKIFixture()
        let (holder, issued) = try fixture.issue("spiffe://aios.local/agent/aios-agent-network")
        for purpose in ["sslclient", "sslserver"] {
            let result = try opensslVerify(fixture, holder, crl: true, purpose: purpose)
            #expect(result.status == 0, "\(result.output)")
        }
        let text = try shell(["openssl", "x509", "-in", holder.certificatePath, "-noout", "-ext", "subjectAltName"])
        #expect(text.output.contains("URI:spiffe://aios.local/agent/aios-agent-network"))
        let root = try shell(["openssl", "x509", "-in", fixture.rootPath, "-noout", "-ext", "nameConstraints"])
        #expect(root.output.contains("Permitted:") && root.output.contains("URI:aios.local"), "\(root.output)")
        #expect(issued.notAfter.timeIntervalSince(issued.certificate.notValidBefore) <= 86_400 + 300)
    }

    @Test("a leaf naming an identity outside aios.local fails openssl's name-constraint check and ours")
    func nameConstraints() async throws {
        let fixture = try PKIFixture()
        let intermediate = fixture.authority.currentIntermediate
        let issuerKey = try fixture.authority.issuingKey(fixture.authority.state.current)
        let holderKey = P256.Signing.PrivateKey()
        let rogue = try Certificate(
            version: .v3, serialNumber: CertificateProfiles.newSerial(),
            publicKey: Certificate.PublicKey(holderKey.publicKey), notValidBefore: Date() - 60,
            notValidAfter: Date() + 3600, issuer: intermediate.subject,
            subject: try DistinguishedName { CommonName("x") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://evil.example/agent/x")])
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        let path = fixture.directory + "/rogue.pem"
        try (try rogue.serializeAsPEM().pemString + "\n" + intermediate.serializeAsPEM().pemString + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try shell(["openssl", "verify", "-CAfile", fixture.rootPath, "-untrusted", path, path])
        #expect(result.status != 0)
        #expect(result.output.contains("permitted subtree violation"), "\(result.output)")
        let ours = await WorkloadVerifier(bundle: fixture.authority.trustBundle(), denyList: DenyList()).verify(rogue)
        #expect(throws: PKIError.self) { try ours.get() }
        #expect(throws: PKIError.self, "the CA itself refuses the identity") {
            try SPIFFEID(parsing: "spiffe://evil.example/agent/x")
        }
    }

    @Test("a revoked certificate fails openssl verify -crl_check, and our verifiers at once via the deny-list")
    func revocation() async throws {
        let fixture = try PKIFixture()
        let (holder, issued) = try fixture.issue("spiffe://aios.local/agent/aios-agent-task")
        let (other, _) = try fixture.issue("spiffe://aios.local/agent/aios-agent-monitor")
        let shared = fixture.authority.denyList()
        let verifier = WorkloadVerifier(bundle: fixture.authority.trustBundle(), denyList: shared)
        #expect(try await verifier.verify(issued.certificate).get().name == "aios-agent-task")

        _ = try fixture.authority.revoke(serial: issued.serial.uppercased(), reason: "key compromise")
        let result = try opensslVerify(fixture, holder, crl: true)
        #expect(result.status != 0)
        #expect(result.output.contains("certificate revoked"), "\(result.output)")
        #expect(try opensslVerify(fixture, other, crl: true).status == 0, "others stay valid")

        shared.deny(serial: issued.serial)
        let refused = await verifier.verify(issued.certificate)
        #expect(throws: PKIError(.revoked, "")) { try refused.get() }
        #expect(throws: PKIError.self) { try fixture.authority.revoke(serial: issued.serial, reason: "again") }
    }

    @Test(
        "openssl s_server and s_client complete an mTLS handshake with issued certificates; a foreign client is refused"
    )
    func mutualTLS() throws {
        let fixture = try PKIFixture()
        let (server, _) = try fixture.issue("spiffe://aios.local/service/aios-sec", hosts: ["127.0.0.1", "localhost"])
        let (client, _) = try fixture.issue("spiffe://aios.local/agent/aios-agent-system")
        let port = Int.random(in: 20_000...60_000)
        let serverProcess = Process()
        serverProcess.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        serverProcess.arguments = [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", server.certificatePath, "-key", server.keyPath,
            "-cert_chain", server.certificatePath, "-CAfile", fixture.bundlePath, "-Verify", "2",
            "-verify_return_error", "-naccept", "2", "-quiet",
        ]
        let serverOutput = Pipe()
        serverProcess.standardOutput = serverOutput
        serverProcess.standardError = serverOutput
        serverProcess.standardInput = Pipe()
        try serverProcess.run()
        defer { if serverProcess.isRunning { serverProcess.terminate() } }
        var ready = false
        for _ in 0..<50 where !ready {
            usleep(100_000)
            ready = (try? shell(["sh", "-c", "ss -ltn | grep -q 127.0.0.1:\(port)"]).status) == 0
        }
        #expect(ready, "s_server listens")
        let good = try shell(
            [
                "openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", fixture.bundlePath, "-cert",
                client.certificatePath, "-key", client.keyPath, "-cert_chain", client.certificatePath,
                "-verify_return_error", "-verify_ip", "127.0.0.1", "-brief",
            ], input: "hello-trusted\n")
        #expect(good.output.contains("Verification: OK"), "\(good.output)")
        #expect(good.status == 0)

        let stranger = try PKIFixture()
        let (foreign, _) = try stranger.issue("spiffe://aios.local/agent/aios-agent-system")
        try shell(
            [
                "openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", fixture.bundlePath, "-cert",
                foreign.certificatePath, "-key", foreign.keyPath, "-cert_chain", foreign.certificatePath, "-brief",
            ], input: "hello-foreign\n")
        // With TLS 1.3 the client may finish before the server's alert arrives, so the proof is on the server side.
        serverProcess.waitUntilExit()
        let log = String(decoding: serverOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("hello-trusted"), "the trusted client's data reached the server: \(log)")
        #expect(!log.contains("hello-foreign"), "the foreign client's data did not")
        #expect(log.contains("certificate verify failed"), "\(log)")
    }

    @Test("a CSR made by openssl is signed; its identity comes from its SAN; a forged CSR is refused")
    func opensslCSR() throws {
        let fixture = try PKIFixture()
        let key = fixture.directory + "/holder.key"
        let csr = fixture.directory + "/holder.csr"
        try shell(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
        let made = try shell([
            "openssl", "req", "-new", "-key", key, "-subj", "/CN=ops", "-addext",
            "subjectAltName=URI:spiffe://aios.local/operator/ops", "-out", csr,
        ])
        #expect(made.status == 0, "\(made.output)")
        let request = try CertificateSigningRequest(pemEncoded: String(contentsOfFile: csr, encoding: .utf8))
        let issued = try fixture.authority.sign(request)
        #expect(issued.identity == (try SPIFFEID(parsing: "spiffe://aios.local/operator/ops")))
        #expect(throws: PKIError.self, "a different identity than the CSR's is refused") {
            try fixture.authority.sign(request, identity: try SPIFFEID(parsing: "spiffe://aios.local/agent/x"))
        }
        let foreign = try shell([
            "openssl", "req", "-new", "-key", key, "-subj", "/CN=x", "-addext",
            "subjectAltName=URI:spiffe://evil.example/agent/x", "-out", csr,
        ])
        #expect(foreign.status == 0)
        #expect(throws: PKIError.self) {
            try fixture.authority.sign(
                try CertificateSigningRequest(pemEncoded: String(contentsOfFile: csr, encoding: .utf8)))
        }
        // A CSR whose public key is swapped for another: its signature no longer verifies.
        let other = P256.Signing.PrivateKey()
        let forged = try CertificateSigningRequest(
            version: request.version, subject: request.subject, publicKey: Certificate.PublicKey(other.publicKey),
            attributes: request.attributes, signatureAlgorithm: request.signatureAlgorithm,
            signature: request.signature)
        #expect(throws: PKIError.self) { try fixture.authority.sign(forged) }
    }
}
