import Foundation
import Policy
import Testing

@testable import Daemon
@testable import PKI
@testable import Secrets

/// The daemon's server certificate names where the web console listens: re-issued when it lacks the address, kept
/// when it has it, and never for an address the CA was not created to certify.
@Suite struct ServerHostNamesTests {
    let directory: String
    let authority: SharedAuthority
    let now = Date()

    init() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("aios-hosts-\(UUID().uuidString)").path
        var material = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let source = try KeyFileKey(material: SecretBytes(consuming: &material))
        authority = SharedAuthority(
            try CertificateAuthority.initialise(directory: directory + "/pki", vault: nil, keySource: source, now: now))
    }

    /// Renews what is due for a daemon whose console adds `hosts`; the names renewed.
    private func renew(adding hosts: [String]) throws -> [String] {
        let state = DaemonState(directory: directory, extraServerHosts: hosts)
        return try IdentityIssuer(state: state, authority: authority).renewDue(
            try state.managedIdentities(policy: .builtin()), now: now)
    }

    @Test func theCertificateIsReissuedForANewConsoleAddressOnlyOnce() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try renew(adding: []).contains(DaemonState.serverIdentity))
        #expect(try renew(adding: []).isEmpty)
        #expect(try renew(adding: ["127.0.0.2"]) == [DaemonState.serverIdentity])
        let server = try DaemonState(directory: directory).identity(DaemonState.serverIdentity).certificate()
        #expect(server.hostNames.contains(try HostName(parsing: "127.0.0.2")))
        #expect(server.hostNames.contains(try HostName(parsing: "127.0.0.1")))
        #expect(try renew(adding: ["127.0.0.2"]).isEmpty)
    }

    @Test func anAddressTheCAMayNotCertifyIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: PKIError(.request, "")) { try renew(adding: ["10.0.0.1"]) }
    }
}
