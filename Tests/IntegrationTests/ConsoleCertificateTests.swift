import Foundation
import SecurityTesting
import Testing

/// The console of a real daemon over real TLS (curl, OpenSSL's client), on a second loopback address: operator
/// certificates made by `aios-sec console certificate`, and the ones that must not log in.
@Suite("Web console: client-certificate logins over TLS")
struct ConsoleCertificateTests {
    @Test("operator certificate logs in; no certificate gets the login page; agent, foreign, expired are refused")
    func certificateLogins() throws {
        let alice = try SSHKeyPair(name: "alice")
        defer { alice.remove() }
        let key = alice.publicKeyLine.trimmingCharacters(in: .whitespacesAndNewlines)
        // 127.0.0.2: not the loopback address the server certificate always names, so curl's check of the address
        // against the certificate proves the daemon issued its certificate for the console's address.
        let daemon = try DaemonFixture(
            extraArguments: ["--console", "127.0.0.2:0"],
            policy: """
                worker-a:
                  capabilities: ["fs:read:/tmp/*"]
                emergency:
                  operators:
                    alice: {ssh_keys: ["\(key)"]}
                  freeze_timeout: never
                """)
        defer { daemon.stop() }
        let address = try #require(ConsoleBrowser.consoleAddress(state: daemon.state))
        #expect(address.hasPrefix("127.0.0.2:"))
        let policy = daemon.directory + "/policy.yaml"
        let common = ["--state-dir", daemon.state, "--vault", daemon.vault, "--policy", policy]

        let issued = try BinaryRunner.run(
            ["console", "certificate", "--operator", "alice", "--out", daemon.directory + "/alice"] + common)
        #expect(issued.status == 0, "\(issued.stderr)")
        let passphrase = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The browser's bundle opens with the printed passphrase and holds the key and the chain.
        let p12 = try BinaryRunner.run(
            executable:
                "/usr/bin/openssl",
            [
                "pkcs12", "-in", daemon.directory + "/alice/operator.p12", "-passin", "pass:\(passphrase)", "-nodes",
                "-info",
            ])
        #expect(p12.status == 0, "\(p12.stderr)")
        #expect(p12.stdout.components(separatedBy: "BEGIN CERTIFICATE").count == 3)
        #expect(p12.stdout.contains("PRIVATE KEY"))
        let refusedIssue = try BinaryRunner.run(
            ["console", "certificate", "--operator", "mallory", "--out", daemon.directory + "/mallory"] + common)
        #expect(refusedIssue.status != 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.directory + "/mallory/key.pem"))

        let console = Curl(address: address, root: daemon.state + "/pki/root.pem")
        let anonymous = try console.request("/login")
        #expect(anonymous.status == "200", "\(anonymous)")
        #expect(anonymous.body.contains("aios-sec console login"))

        let login = try console.request(
            "/login/certificate", post: true, identity: (daemon.directory + "/alice", "cert.pem", "key.pem"))
        #expect(login.status == "303", "\(login)")
        let cookie = try #require(login.cookie)
        let overview = try console.request(
            "/", cookie: cookie, identity: (daemon.directory + "/alice", "cert.pem", "key.pem"))
        #expect(overview.status == "200")
        #expect(overview.body.contains("operator alice"))
        // The cookie without the certificate it was bound to opens nothing.
        #expect(try console.request("/", cookie: cookie).status == "401")

        // An agent's certificate from the same CA: the handshake passes, the login does not.
        let agent = try console.request(
            "/login/certificate", post: true, identity: (daemon.identity("worker-a"), "cert.pem", "key.pem"))
        #expect(agent.status == "403", "\(agent)")
        #expect(agent.cookie == nil)

        // Revoked in the CA: the daemon's deny-list follows within a second; the open session ends and a new
        // login is refused.
        let serialRange = try #require(issued.stderr.range(of: #"serial [0-9a-f]+"#, options: .regularExpression))
        let serial = String(issued.stderr[serialRange].dropFirst("serial ".count))
        let revoke = try BinaryRunner.run(
            ["ca", "revoke", serial, "--reason", "laptop lost", "--state-dir", daemon.state, "--vault", daemon.vault])
        #expect(revoke.status == 0, "\(revoke.stderr)")
        var afterRevocation = Curl.Answer(status: "", body: "", headers: "")
        for _ in 0..<50 where afterRevocation.status != "403" {
            Thread.sleep(forTimeInterval: 0.1)
            afterRevocation = try console.request(
                "/login/certificate", post: true, identity: (daemon.directory + "/alice", "cert.pem", "key.pem"))
        }
        #expect(afterRevocation.status == "403", "\(afterRevocation)")
        #expect(afterRevocation.body.contains("revoked certificate"))
        let ended = try console.request(
            "/", cookie: cookie, identity: (daemon.directory + "/alice", "cert.pem", "key.pem"))
        #expect(ended.status == "401")

        // Expired: a one-second operator certificate from the daemon's own CA, presented after it ran out.
        let expiredDirectory = daemon.directory + "/alice-expired"
        let expiredIssue = try BinaryRunner.run(
            [
                "ca", "issue", "--identity", "spiffe://aios.local/operator/alice", "--lifetime", "1s", "--out",
                expiredDirectory, "--state-dir", daemon.state, "--vault", daemon.vault,
            ])
        #expect(expiredIssue.status == 0, "\(expiredIssue.stderr)")
        Thread.sleep(forTimeInterval: 2)
        let expired = try console.request(
            "/login/certificate", post: true, identity: (expiredDirectory, "cert.pem", "key.pem"))
        #expect(expired.status == "000", "\(expired)")

        // From another CA: a self-signed certificate claiming the operator's identity.
        let foreign = daemon.directory + "/foreign"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        let made = try BinaryRunner.run(
            executable:
                "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=alice", "-addext", "subjectAltName=URI:spiffe://aios.local/operator/alice",
                "-keyout", foreign + "/key.pem", "-out", foreign + "/cert.pem",
            ])
        #expect(made.status == 0, "\(made.stderr)")
        let forged = try console.request("/login/certificate", post: true, identity: (foreign, "cert.pem", "key.pem"))
        #expect(forged.status == "000", "\(forged)")

        let ledger = try BinaryRunner.run(
            ["audit", "query", "--state-dir", daemon.state, "--action", "console.login", "--json"])
        #expect(ledger.stdout.contains("\"certificate_serial\""))
        #expect(ledger.stdout.contains("spiffe://aios.local/agent/worker-a is not an operator's identity"))
        let issuances = try BinaryRunner.run(
            ["audit", "query", "--state-dir", daemon.state, "--action", "cert.issue", "--json"])
        #expect(issuances.stdout.contains("console login (client certificate)"))
        #expect(issuances.stdout.contains("is not an operator in the policy"))
        // Failed handshakes are recorded off the event loop: the entry follows shortly.
        var handshakes = ""
        for _ in 0..<50 where !handshakes.contains("TLS handshake failed") {
            handshakes = try BinaryRunner.run(
                ["audit", "query", "--state-dir", daemon.state, "--action", "console.tls", "--json"]
            ).stdout
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(handshakes.contains("TLS handshake failed"))
    }
}

/// curl against the console, verifying the server's certificate (and so the address it names) with the CA's root.
struct Curl {
    let address: String
    let root: String
    /// Run inside this network namespace (`ip netns exec`).
    var namespace: String? = nil
    /// Connect from this local address (`--interface`).
    var source: String? = nil

    struct Answer: CustomStringConvertible {
        /// The HTTP status, or `000` when no answer came (the TLS handshake failed).
        let status: String
        let body: String
        let headers: String

        var cookie: String? {
            guard let range = headers.range(of: #"__Host-aios-console=[0-9a-f]+"#, options: .regularExpression)
            else { return nil }
            return String(headers[range].dropFirst("__Host-aios-console=".count))
        }

        var description: String { "\(status) \(headers) \(body.prefix(400))" }
    }

    func request(
        _ path: String, post: Bool = false, cookie: String? = nil,
        identity: (directory: String, certificate: String, key: String)? = nil
    ) throws -> Answer {
        let headerFile = FileManager.default.temporaryDirectory.path + "/aios-curl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: headerFile) }
        var arguments = [
            "--silent", "--show-error", "--cacert", root, "--dump-header", headerFile, "--output", "-",
            "--write-out", "\n%{http_code}", "--max-time", "20",
        ]
        if post { arguments += ["--data", ""] }
        if let cookie { arguments += ["--cookie", "__Host-aios-console=\(cookie)"] }
        if let identity {
            arguments += [
                "--cert", identity.directory + "/" + identity.certificate, "--key",
                identity.directory + "/" + identity.key,
            ]
        }
        if let source { arguments += ["--interface", source] }
        arguments.append("https://\(address)\(path)")
        let output =
            try namespace.map {
                try BinaryRunner.run(executable: "/usr/sbin/ip", ["netns", "exec", $0, "/usr/bin/curl"] + arguments)
            }
            ?? BinaryRunner.run(executable: "/usr/bin/curl", arguments)
        let lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let headers = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        return Answer(
            status: lines.last.map(String.init) ?? "000", body: lines.dropLast().joined(separator: "\n"),
            headers: headers)
    }
}
