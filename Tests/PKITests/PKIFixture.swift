import Crypto
import Foundation
import Testing
import X509

@testable import PKI
@testable import Secrets

/// A CA in a temporary directory with a key-file sealing key; no vault (keys stay in memory), so tests leave
/// nothing in the keyring.
final class PKIFixture {
    let directory: String
    let keySource: KeyFileKey
    let authority: CertificateAuthority

    init(now: Date = Date(), hosts: PermittedHosts = .loopback) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-pki-\(UUID().uuidString)").path
        var material = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let source = try KeyFileKey(material: SecretBytes(consuming: &material))
        keySource = source
        authority = try CertificateAuthority.initialise(
            directory: directory + "/pki", vault: nil, keySource: source, hosts: hosts, now: now)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var pki: String { directory + "/pki" }
    var rootPath: String { pki + "/root.pem" }
    var bundlePath: String { pki + "/bundle.pem" }
    var crlPath: String { pki + "/crl.pem" }

    /// Issues into an identity directory under the fixture.
    func issue(_ uri: String, hosts: [String] = [], now: Date = Date(), lifetime: TimeInterval? = nil) throws
        -> (identity: WorkloadIdentity, issued: IssuedCertificate)
    {
        let subject = try SPIFFEID(parsing: uri)
        let (key, request) = try WorkloadIdentity.request(for: subject)
        let issued = try authority.sign(
            request, identity: subject, lifetime: lifetime, hostNames: try hosts.map { try HostName(parsing: $0) },
            now: now)
        let holder = WorkloadIdentity(directory: directory + "/id-\(UUID().uuidString.prefix(8))")
        try holder.store(key: key, issued: issued, bundlePEM: try authority.trustBundlePEM(at: now))
        return (holder, issued)
    }
}

/// Runs a command, returning its status and combined output.
@discardableResult
func shell(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// `openssl verify` of a holder's chain against the root, optionally with the CRLs.
func opensslVerify(_ fixture: PKIFixture, _ holder: WorkloadIdentity, crl: Bool = false, purpose: String? = nil)
    throws -> (status: Int32, output: String)
{
    var arguments = ["openssl", "verify", "-CAfile", fixture.rootPath, "-untrusted", holder.certificatePath]
    if crl { arguments += ["-crl_check", "-CRLfile", fixture.crlPath] }
    if let purpose { arguments += ["-purpose", purpose] }
    return try shell(arguments + [holder.certificatePath])
}
