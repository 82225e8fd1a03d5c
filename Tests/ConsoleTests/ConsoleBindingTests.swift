import Console
import Daemon
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Policy
import Testing

@Suite("Console: sessions bound to their address, refusals that cannot flood the ledger, where it may listen")
struct ConsoleBindingTests {
    @Test("a session cookie presented from another address than its login opens nothing, and is recorded")
    func stolenCookie() async throws {
        let fixture = try ConsoleFixture()
        // The operator logged in from a management address; the cookie is replayed from loopback.
        let (cookie, _) = fixture.backend.sessions.open(
            operator: "alice", now: fixture.clock.now(), client: "10.99.0.7")
        try await fixture.application.test(.live) { client in
            for _ in 0..<5 {
                let page = try await client.execute(
                    uri: "/", method: .get, headers: [.cookie: "__Host-aios-console=\(cookie)"])
                #expect(page.status == .unauthorized)
                #expect(!page.text.contains("operator alice"))
                let stop = try await client.postForm(
                    "/estop", "confirm=yes", headers: [.cookie: "__Host-aios-console=\(cookie)"])
                #expect(stop.status == .unauthorized)
            }
        }
        #expect(fixture.core.emergency.modeName == "autonomous")
        // Ten replays: one entry in full now, the rest counted into one summary when the window closes.
        let refused = try fixture.entries(action: "console.session")
        #expect(refused.count == 1)
        #expect(refused.first?.agent == "operator:alice")
        #expect(refused.first?.json.contains("another address") == true)
        await fixture.backend.refusals.flush(everything: true)
        let summaries = try fixture.entries(action: "authentication.refusals")
        #expect(summaries.count == 1)
        #expect(summaries.first?.json.contains("\"refusals\":10") == true)
    }

    @Test("the login's own address keeps working (the binding is not a refusal of the operator)")
    func sameAddress() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let page = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(page.status == .ok)
        }
        #expect(try fixture.entries(action: "console.session").isEmpty)
    }

    @Test("a flood from a refused address leaves one entry and one summary, not one entry per request")
    func refusedAddressFlood() async throws {
        let fixture = try ConsoleFixture(allowed: AllowedClients(only: [IPPrefix("10.99.0.0/24")!]))
        try await fixture.application.test(.live) { client in
            for _ in 0..<50 {
                let page = try await client.execute(uri: "/login", method: .get)
                #expect(page.status == .forbidden)
            }
        }
        let first = try fixture.entries(action: "console.connect")
        #expect(first.count == 1)
        #expect(first.first?.result == "denied")
        #expect(["127.0.0.1", "::1"].contains(first.first?.target ?? ""))
        await fixture.backend.refusals.flush(everything: true)
        let summaries = try fixture.entries(action: "connection.refusals")
        #expect(summaries.count == 1)
        #expect(summaries.first?.json.contains("\"refusals\":50") == true)
    }

    @Test("the console listens on loopback, a management address or the wildcard; the certificate names them")
    func bindingAddresses() throws {
        let management = [IPPrefix("10.99.0.0/24")!]
        #expect(try ConsoleHosts.certificateNames(forBinding: "127.0.0.1", management: management) == ["127.0.0.1"])
        #expect(try ConsoleHosts.certificateNames(forBinding: "127.0.0.2", management: management) == ["127.0.0.2"])
        #expect(try ConsoleHosts.certificateNames(forBinding: "localhost", management: management) == [])
        #expect(try ConsoleHosts.certificateNames(forBinding: "10.99.0.1", management: management) == ["10.99.0.1"])
        let local = ["127.0.0.1", "10.99.0.1", "192.0.2.10", "fe80::1"]
        #expect(
            try ConsoleHosts.certificateNames(forBinding: "0.0.0.0", management: management, local: local)
                == ["10.99.0.1"])
        // An address outside loopback and the management subnets would answer nobody: refused at start.
        #expect(throws: ConsoleError.configuration("")) {
            try ConsoleHosts.certificateNames(forBinding: "192.0.2.10", management: management)
        }
        #expect(throws: ConsoleError.configuration("")) {
            try ConsoleHosts.certificateNames(forBinding: "console.example", management: management)
        }
    }
}
