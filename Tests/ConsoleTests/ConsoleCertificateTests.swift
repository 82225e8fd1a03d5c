import Audit
import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOSSL
import PKI
import Testing

@Suite("Console: logging in with an operator's client certificate (mTLS)")
struct ConsoleCertificateTests {
    @Test("only a valid, unrevoked operator certificate of an operator in the policy is accepted")
    func checkTable() async throws {
        let fixture = try ConsoleFixture(certificates: true)
        let pki = try ConsolePKI(fixture)
        let check = try #require(fixture.backend.certificates)
        func outcome(_ holder: WorkloadIdentity) async throws -> OperatorCertificates.Outcome {
            let leaf = try NIOSSLCertificate.fromPEMFile(holder.certificatePath)[0]
            let presented = try ClientCertificate(derEncoded: try leaf.toDERBytes())
            return await check.check(presented, policy: fixture.core.policy, now: fixture.clock.now())
        }
        let alice = try pki.issue("spiffe://aios.local/operator/alice", as: "alice")
        #expect(try await outcome(alice) == .accepted(operator: "alice"))
        // An agent's certificate is as valid as any from this CA: its kind is what refuses it.
        let agent = try pki.issue("spiffe://aios.local/agent/worker-a", as: "worker-a")
        #expect(
            try await outcome(agent)
                == .refused(operator: nil, reason: "spiffe://aios.local/agent/worker-a is not an operator's identity"))
        let service = try pki.issue("spiffe://aios.local/service/orchestrator", as: "orchestrator")
        guard case .refused(nil, _) = try await outcome(service) else {
            Issue.record("a service's certificate logged in")
            return
        }
        let mallory = try pki.issue("spiffe://aios.local/operator/mallory", as: "mallory")
        #expect(
            try await outcome(mallory)
                == .refused(operator: "mallory", reason: "not an operator in the policy (emergency.operators)"))
        let expired = try pki.issue(
            "spiffe://aios.local/operator/alice", as: "alice-expired", now: Date() - 7200, lifetime: 600)
        #expect(try await outcome(expired) == .refused(operator: "alice", reason: "certificate not valid now"))
        let foreign = try pki.issue("spiffe://aios.local/operator/alice", as: "alice-foreign", from: pki.foreign)
        #expect(try await outcome(foreign) == .refused(operator: "alice", reason: "certificate not valid now"))
        // Revoked in the CA; the daemon's revocation watch puts the serial on the shared deny-list.
        let serial = try alice.certificate().serialNumber.hex
        _ = try pki.authority.revoke(serial: serial, reason: "laptop lost")
        fixture.core.denyList.deny(serial: serial)
        #expect(try await outcome(alice) == .refused(operator: "alice", reason: "revoked certificate"))
    }

    @Test("an operator's certificate logs in with the button, recorded with its serial; without one, the login page")
    func loginOverTLS() async throws {
        let fixture = try ConsoleFixture(certificates: true)
        let pki = try ConsolePKI(fixture)
        let alice = try pki.issue("spiffe://aios.local/operator/alice", as: "alice")
        let serial = try alice.certificate().serialNumber.hex
        let root = pki.root
        try await pki.application().test(.live) { live in
            let port = try #require(live.port)
            // No certificate: the login page (for links), without the certificate button; the button's POST is
            // refused and recorded.
            let anonymous = try ConsolePKI.client(port: port, root: root, presenting: nil)
            let page = try await anonymous.send("/login")
            #expect(page.status == .ok)
            #expect(!page.text.contains("login-certificate"))
            let bare = try await anonymous.send("/login/certificate", method: .post, form: "")
            #expect(bare.status == .forbidden)
            #expect(bare.sessionCookie == nil)
            try await anonymous.shutdown()

            let browser = try ConsolePKI.client(port: port, root: root, presenting: alice)
            let shown = try await browser.send("/login")
            #expect(shown.text.contains("login-certificate"))
            #expect(shown.text.contains("spiffe://aios.local/operator/alice"))
            // Merely connecting with the certificate logs nobody in.
            #expect(try await browser.send("/").status == .unauthorized)
            let login = try await browser.send("/login/certificate", method: .post, form: "")
            #expect(login.status == .seeOther)
            let cookie = try #require(login.sessionCookie)
            let overview = try await browser.send("/", headers: [.cookie: "__Host-aios-console=\(cookie)"])
            #expect(overview.status == .ok)
            #expect(overview.text.contains("operator alice"))
            // Revoked while logged in: the next request ends the session.
            fixture.core.denyList.deny(serial: serial)
            let revoked = try await browser.send("/", headers: [.cookie: "__Host-aios-console=\(cookie)"])
            #expect(revoked.status == .unauthorized)
            fixture.core.denyList.replace(serials: [], identities: [])
            let gone = try await browser.send("/", headers: [.cookie: "__Host-aios-console=\(cookie)"])
            #expect(gone.status == .unauthorized, "the session was closed, not only refused once")
            try await browser.shutdown()

            // A second session: its cookie on a connection without the certificate opens nothing.
            let again = try ConsolePKI.client(port: port, root: root, presenting: alice)
            let second = try #require(
                try await again.send("/login/certificate", method: .post, form: "").sessionCookie)
            try await again.shutdown()
            let thief = try ConsolePKI.client(port: port, root: root, presenting: nil)
            let stolen = try await thief.send("/", headers: [.cookie: "__Host-aios-console=\(second)"])
            #expect(stolen.status == .unauthorized)
            #expect(!stolen.text.contains("operator alice"))
            try await thief.shutdown()
        }
        let logins = try fixture.entries(action: "console.login").filter { $0.result == "success" }
        #expect(logins.count == 2)
        #expect(logins.first?.agent == "operator:alice")
        #expect(logins.first?.json.contains(serial) == true)
        let refusals = try fixture.entries(action: "console.login").filter { $0.result == "denied" }
        #expect(refusals.contains { $0.json.contains("no client certificate") })
        #expect(try fixture.entries(action: "console.session").contains { $0.agent == "operator:alice" })
    }

    @Test("an agent's certificate and a non-operator's are refused at the button and recorded with their serial")
    func refusedCertificates() async throws {
        let fixture = try ConsoleFixture(certificates: true)
        let pki = try ConsolePKI(fixture)
        let agent = try pki.issue("spiffe://aios.local/agent/worker-a", as: "worker-a")
        let mallory = try pki.issue("spiffe://aios.local/operator/mallory", as: "mallory")
        let alice = try pki.issue("spiffe://aios.local/operator/alice", as: "alice")
        let root = pki.root
        try await pki.application().test(.live) { live in
            let port = try #require(live.port)
            for holder in [agent, mallory] {
                let client = try ConsolePKI.client(port: port, root: root, presenting: holder)
                let login = try await client.send("/login/certificate", method: .post, form: "")
                #expect(login.status == .forbidden)
                #expect(login.sessionCookie == nil)
                try await client.shutdown()
            }
            // A page of another site posting to the button (login CSRF) is refused too.
            let client = try ConsolePKI.client(port: port, root: root, presenting: alice)
            let crossSite = try await client.send(
                "/login/certificate", method: .post,
                headers: [.origin: "https://evil.example", HTTPField.Name("Sec-Fetch-Site")!: "cross-site"], form: "")
            #expect(crossSite.status == .forbidden)
            #expect(crossSite.sessionCookie == nil)
            try await client.shutdown()
        }
        let refusals = try fixture.entries(action: "console.login").filter { $0.result == "denied" }
        for holder in [agent, mallory] {
            let serial = try holder.certificate().serialNumber.hex
            #expect(refusals.contains { $0.json.contains(serial) })
        }
        #expect(refusals.contains { $0.agent == "operator:mallory" })
        #expect(refusals.contains { $0.json.contains("cross-origin request") })
    }

    @Test("a certificate from another CA, or an expired one, fails the handshake: no page at all")
    func handshakeRefusals() async throws {
        let fixture = try ConsoleFixture(certificates: true)
        let pki = try ConsolePKI(fixture)
        let foreign = try pki.issue("spiffe://aios.local/operator/alice", as: "alice-foreign", from: pki.foreign)
        let expired = try pki.issue(
            "spiffe://aios.local/operator/alice", as: "alice-expired", now: Date() - 7200, lifetime: 600)
        let root = pki.root
        try await pki.application().test(.live) { live in
            let port = try #require(live.port)
            for holder in [foreign, expired] {
                let client = try ConsolePKI.client(port: port, root: root, presenting: holder)
                await #expect(throws: (any Error).self) { _ = try await client.send("/login") }
                try? await client.shutdown()
            }
        }
        // Recorded, from the refusal recorder: the first of the address in full, the second only counted. The
        // handler records off the event loop: the entry follows the refusal shortly (a read while it is written
        // finds the ledger locked, and is tried again).
        var entries: [StoredEntry] = []
        for _ in 0..<100 where entries.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            entries = (try? fixture.entries(action: "console.tls")) ?? []
        }
        #expect(entries.count == 1)
        #expect(entries.first?.json.contains("TLS handshake failed") == true)
    }
}
