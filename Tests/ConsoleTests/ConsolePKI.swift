import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import HummingbirdTesting
import NIOCertificateReloading
import NIOCore
import NIOSSL
import PKI
import Secrets

/// A real internal CA for a ``ConsoleFixture`` (in `DIR/pki`), the identities the certificate tests present, a
/// second CA nobody trusts, and the console served over TLS exactly as the daemon configures it (``ConsoleTLS``).
final class ConsolePKI {
    let fixture: ConsoleFixture
    let authority: CertificateAuthority
    let foreign: CertificateAuthority

    init(_ fixture: ConsoleFixture) throws {
        self.fixture = fixture
        authority = try Self.authority(in: fixture.directory + "/pki")
        foreign = try Self.authority(in: fixture.directory + "/foreign-pki")
        _ = try issue("spiffe://aios.local/service/aios-sec", as: "server", hosts: ["127.0.0.1", "localhost"])
    }

    private static func authority(in directory: String) throws -> CertificateAuthority {
        var material = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let source = try KeyFileKey(material: SecretBytes(consuming: &material))
        return try CertificateAuthority.initialise(directory: directory, vault: nil, keySource: source)
    }

    /// Issues `uri` into `DIR/identities/NAME` (from `ca`, by default the console's own CA).
    @discardableResult
    func issue(
        _ uri: String, as name: String, hosts: [String] = [], from ca: CertificateAuthority? = nil,
        now: Date = Date(), lifetime: TimeInterval? = nil
    ) throws -> WorkloadIdentity {
        let subject = try SPIFFEID(parsing: uri)
        let (key, request) = try WorkloadIdentity.request(for: subject)
        let signer = ca ?? authority
        let issued = try signer.sign(
            request, identity: subject, lifetime: lifetime, hostNames: try hosts.map { try HostName(parsing: $0) },
            now: now)
        let holder = WorkloadIdentity(directory: fixture.directory + "/identities/" + name)
        try holder.store(key: key, issued: issued, bundlePEM: try signer.trustBundlePEM(at: now))
        return holder
    }

    /// The console's routes over TLS with the daemon's configuration: an optional client certificate to the root.
    func application() throws -> some ApplicationProtocol {
        let server = WorkloadIdentity(directory: fixture.directory + "/identities/server")
        let reloader = try TimedCertificateReloader.makeReloaderValidatingSources(
            refreshInterval: .seconds(3600),
            certificateSource: .init(location: .file(path: server.certificatePath), format: .pem),
            privateKeySource: .init(location: .file(path: server.keyPath), format: .pem))
        let tls = try ConsoleTLS.configuration(reloader: reloader, trustRoot: fixture.directory + "/pki/root.pem")
        return Application(
            router: ConsoleRoutes(backend: fixture.backend).router(),
            server: try ConsoleTLS.server(tls: tls, refusals: fixture.backend.refusals),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// The CA's root, which the test clients trust.
    var root: String { fixture.directory + "/pki/root.pem" }

    /// A TLS client to the console on `port`, trusting `root`, presenting `identity`'s certificate if given.
    static func client(port: Int, root: String, presenting identity: WorkloadIdentity?) throws -> TestClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(root)
        if let identity {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(identity.certificatePath).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: identity.keyPath, format: .pem))
        }
        let client = TestClient(
            host: "127.0.0.1", port: port, configuration: .init(tlsConfiguration: tls, serverName: "localhost"))
        client.connect()
        return client
    }
}

extension TestClient {
    func send(_ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:], form: String? = nil)
        async throws -> TestClient.Response
    {
        var headers = headers
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await execute(
            .init(
                uri, method: method, authority: "localhost", headers: headers,
                body: form.map { ByteBuffer(string: $0) }))
    }
}

extension TestClient.Response {
    var text: String { body.map { String(buffer: $0) } ?? "" }

    var sessionCookie: String? {
        for field in headers where field.name == .setCookie {
            let first = field.value.split(separator: ";")[0]
            if first.hasPrefix("__Host-aios-console=") { return String(first.dropFirst("__Host-aios-console=".count)) }
        }
        return nil
    }
}
