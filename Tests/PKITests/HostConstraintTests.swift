import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import PKI

/// Host names in workload certificates: the root constrains DNS names and IP addresses as it does URIs, and the
/// CA refuses to issue outside them.
@Suite("Host name constraints")
struct HostConstraintTests {
    @Test("the CA refuses a host outside its constraints", arguments: ["evil.example.com", "10.0.0.1", "2001:db8::1"])
    func refusesOutside(_ host: String) throws {
        let fixture = try PKIFixture()
        #expect(throws: PKIError.self) { try fixture.issue("spiffe://aios.local/service/web", hosts: [host]) }
        do {
            _ = try fixture.issue("spiffe://aios.local/service/web", hosts: [host])
        } catch {
            #expect("\(error)".contains("outside the names this CA may certify"), "\(error)")
        }
    }

    @Test("the loopback names verify with openssl, as server and client")
    func loopbackVerifies() throws {
        let fixture = try PKIFixture()
        let (holder, _) = try fixture.issue(
            "spiffe://aios.local/service/aios-sec-daemon", hosts: ["localhost", "127.0.0.1", "::1", "api.localhost"])
        for purpose in ["sslserver", "sslclient"] {
            let result = try opensslVerify(fixture, holder, purpose: purpose)
            #expect(result.status == 0, "\(result.output)")
        }
        let root = try shell(["openssl", "x509", "-in", fixture.rootPath, "-noout", "-ext", "nameConstraints"])
        for name in ["DNS:localhost", "URI:aios.local"] {
            #expect(root.output.contains(name), "\(root.output)")
        }
        // BoringSSL (our TLS stack) rejects every IP address below a root with IP constraints: the CA enforces them.
        #expect(!root.output.contains("IP:"), "\(root.output)")
        #expect(try fixture.authority.permittedHosts.description == "localhost, 127.0.0.0/8, ::1/128")
    }

    @Test("names given at creation are certified; names below them too, others not")
    func permittedAtCreation() throws {
        let hosts = try PermittedHosts(adding: ["svc.internal", "10.20.0.0/16", "fd00::5"])
        let fixture = try PKIFixture(hosts: hosts)
        let (holder, _) = try fixture.issue(
            "spiffe://aios.local/service/web", hosts: ["svc.internal", "api.svc.internal", "10.20.3.4", "fd00::5"])
        let result = try opensslVerify(fixture, holder, purpose: "sslserver")
        #expect(result.status == 0, "\(result.output)")
        let reopened = try CertificateAuthority.open(
            directory: fixture.pki, vault: nil, keySource: { () throws(PKIError) in fixture.keySource })
        #expect(try reopened.permittedHosts == hosts, "the permitted hosts survive a restart")
        for outside in ["svc.internal.evil.com", "evilsvc.internal", "10.21.0.1", "fd00::6"] {
            #expect(throws: PKIError.self, "\(outside)") {
                try fixture.issue("spiffe://aios.local/service/web", hosts: [outside])
            }
        }
        #expect(throws: PKIError.self) { try PermittedHosts(adding: ["10.0.0.0/33"]) }
        #expect(throws: PKIError.self) { try PermittedHosts(adding: ["svc.internal/8"]) }
    }

    /// A leaf for `host` signed with the issuing key directly, as a stolen intermediate key would sign it.
    static func rogueLeaf(_ fixture: PKIFixture, naming name: GeneralName) throws -> String {
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
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://aios.local/service/web"), name])
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        let path = fixture.directory + "/rogue-\(UUID().uuidString.prefix(8)).pem"
        try (try rogue.serializeAsPEM().pemString + "\n" + intermediate.serializeAsPEM().pemString + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "a leaf naming a DNS name outside the root's constraints fails openssl verify, whoever signed it",
        arguments: [GeneralName.dnsName("evil.example.com"), GeneralName.dnsName("localhost.evil.example.com")])
    func rogueHostFailsOpenSSL(_ name: GeneralName) throws {
        let fixture = try PKIFixture()
        let path = try Self.rogueLeaf(fixture, naming: name)
        let result = try shell(
            ["openssl", "verify", "-purpose", "sslserver", "-CAfile", fixture.rootPath, "-untrusted", path, path])
        #expect(result.status != 0)
        #expect(result.output.contains("permitted subtree violation"), "\(result.output)")
    }
}
