import Audit
import Capabilities
import Console
import Daemon
import Foundation
import Guard
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PKI
import Policy
import SecurityTesting

/// A daemon core with a real ledger in a temporary directory, the policy naming operator `alice`, a manual clock,
/// and the console's routes over it (served by Hummingbird on loopback, plain HTTP: TLS is the server's concern).
final class ConsoleFixture: Sendable {
    let directory: String
    let clock: ManualClock
    let core: DaemonCore
    let backend: ConsoleBackend
    let alice: SSHKeyPair
    /// The review queue the console's Review page shows.
    let reviews: ReviewQueue

    /// With `certificates`, a CA in `DIR/pki` whose operator certificates log in (see `ConsolePKI`); `expiries`:
    /// the certificates the overview shows.
    init(
        allowed: AllowedClients = AllowedClients(management: []), certificates: Bool = false,
        expiries: [(label: String, path: String)] = []
    ) throws {
        // Certificates are checked at this clock and, in the handshake, at the real time: both must agree.
        clock = certificates ? ManualClock(SystemClock().now()) : ManualClock()
        directory = FileManager.default.temporaryDirectory.path + "/aios-console-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        alice = try SSHKeyPair(name: "alice")
        let policy = try SecurityPolicy.parse(
            yaml: """
                worker-a:
                  capabilities: ["fs:read:/tmp/*"]
                emergency:
                  operators:
                    alice: {ssh_keys: ["\(alice.publicKeyLine.trimmingCharacters(in: .whitespacesAndNewlines))"]}
                  freeze_timeout: never
                """, file: "console-test.yaml")
        let ledgerDirectory = directory + "/audit"
        let ledger = try Ledger(directory: ledgerDirectory, signer: try AuditKeys.loadOrCreate(in: ledgerDirectory))
        core = DaemonCore(
            policy: policy, ledger: ledger, ledgerDirectory: ledgerDirectory, denyList: DenyList(), clock: clock)
        reviews = try ReviewQueue(path: directory + "/reviews.sqlite")
        let workers = Workers(reviews: reviews)
        let service = SecurityService(
            core: core,
            broker: Broker(protected: core.protected, backups: BackupStore(directory: directory + "/backups")),
            workers: workers)
        backend = ConsoleBackend(
            core: core, service: service, workers: workers, links: LoginLinks(stateDirectory: directory),
            allowed: allowed,
            certificates: certificates
                ? OperatorCertificates(pkiDirectory: directory + "/pki", denyList: core.denyList) : nil,
            expiries: expiries)
    }

    deinit {
        core.ledger.close()
        alice.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var application: some ApplicationProtocol {
        Application(router: ConsoleRoutes(backend: backend).router())
    }

    /// The ledger's newest entries made by the console or on its behalf.
    func entries(action: String) throws -> [StoredEntry] {
        try LedgerReader(directory: core.ledgerDirectory).newest(1000).filter { $0.action == action }
    }

    func link(for name: String = "alice") throws -> String {
        try backend.links.issue(operator: name, now: clock.now())
    }
}

/// What a logged-in browser holds.
struct BrowserSession {
    let cookie: String
    let csrf: String

    var headers: HTTPFields { [.cookie: "__Host-aios-console=\(cookie)"] }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The value the response's Set-Cookie gives the console's cookie.
    var sessionCookie: String? {
        for field in headers where field.name == .setCookie {
            let first = field.value.split(separator: ";")[0]
            if first.hasPrefix("__Host-aios-console=") { return String(first.dropFirst("__Host-aios-console=".count)) }
        }
        return nil
    }

    /// The CSRF token a page's forms carry.
    var csrfToken: String? {
        guard let range = text.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) else {
            return nil
        }
        return String(text[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }
}

extension TestClientProtocol {
    func postForm(_ uri: String, _ form: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    /// Logs in with `token` and opens the overview: the session a browser would hold.
    func logIn(token: String) async throws -> BrowserSession? {
        let login = try await postForm("/login", "token=\(token)")
        guard login.status == .seeOther, let cookie = login.sessionCookie else { return nil }
        let overview = try await execute(
            uri: "/", method: .get, headers: [.cookie: "__Host-aios-console=\(cookie)"])
        guard let csrf = overview.csrfToken else { return nil }
        return BrowserSession(cookie: cookie, csrf: csrf)
    }
}
