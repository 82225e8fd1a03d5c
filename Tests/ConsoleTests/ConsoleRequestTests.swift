import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Policy
import Testing

@Suite("Console requests: addresses, headers, CSRF, cross-origin posts")
struct ConsoleRequestTests {
    @Test("a peer outside the allowed addresses gets 403 and nothing else, login included")
    func refusedAddress() async throws {
        let fixture = try ConsoleFixture(allowed: AllowedClients(only: [IPPrefix("10.99.0.0/24")!]))
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let page = try await client.execute(uri: "/login", method: .get)
            #expect(page.status == .forbidden)
            #expect(!page.text.contains("<form"))
            let login = try await client.postForm("/login", "token=\(token)")
            #expect(login.status == .forbidden)
            #expect(login.sessionCookie == nil)
        }
        // The link was never looked at: it still works from an allowed address.
        #expect(fixture.backend.links.redeem(token, now: fixture.clock.now()) == .valid(operator: "alice"))
    }

    @Test("loopback and IPv4-mapped loopback are allowed; other addresses are not")
    func addressTable() throws {
        let allowed = AllowedClients(management: [IPPrefix("10.99.0.0/24")!])
        #expect(allowed.allows(try SocketAddress(ipAddress: "127.0.0.1", port: 1)))
        #expect(allowed.allows(try SocketAddress(ipAddress: "::1", port: 1)))
        #expect(allowed.allows(try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 1)))
        #expect(allowed.allows(try SocketAddress(ipAddress: "10.99.0.7", port: 1)))
        #expect(!allowed.allows(try SocketAddress(ipAddress: "10.98.0.7", port: 1)))
        #expect(!allowed.allows(try SocketAddress(ipAddress: "::ffff:10.98.0.7", port: 1)))
        #expect(!allowed.allows(nil))
    }

    @Test("every answer carries the strict headers, refusals and errors included")
    func strictHeaders() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.application.test(.live) { client in
            for (uri, method) in [
                ("/", HTTPRequest.Method.get), ("/login", .get), ("/nowhere", .get), ("/estop", .post),
            ] {
                let response = try await client.execute(uri: uri, method: method)
                let csp = try #require(response.headers[HTTPField.Name("Content-Security-Policy")!])
                #expect(csp.contains("script-src 'self'"))
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test("pages hold no inline script and load nothing from elsewhere")
    func noInlineScript() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let overview = try await client.execute(uri: "/", method: .get, headers: session.headers)
            // Scripts only by reference to the console's own files, never with a body or an inline handler.
            let scripts = overview.text.components(separatedBy: "<script").dropFirst()
            #expect(scripts.count == 1)
            for script in scripts {
                #expect(script.hasPrefix(#" src="/static/"#))
                #expect(script.contains("></script>"))
                #expect(script.components(separatedBy: "></script>")[0].contains(">") == false)
            }
            #expect(overview.text.range(of: #" on[a-z]+="#, options: .regularExpression) == nil)
            #expect(!overview.text.contains("http://"))
            #expect(!overview.text.contains("https://"))
            #expect(!overview.text.contains(" style="))
        }
    }

    @Test("a POST with a wrong or missing CSRF token is refused and recorded")
    func wrongCSRF() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            for form in ["confirm=yes", "confirm=yes&csrf=" + String(repeating: "0", count: 64), "confirm=yes&csrf="] {
                let stop = try await client.postForm("/estop", form, headers: session.headers)
                #expect(stop.status == .forbidden)
                #expect(stop.headers[.contentType] == "text/html; charset=utf-8")
                #expect(stop.text.contains("missing or wrong CSRF token"))
            }
        }
        #expect(!fixture.core.emergency.isHalted)
        let refusals = try fixture.entries(action: "emergency_stop")
        #expect(refusals.count == 3)
        #expect(refusals.allSatisfy { $0.result == "denied" && $0.agent == "operator:alice" })
    }

    @Test("another session's CSRF token does not work")
    func csrfIsPerSession() async throws {
        let fixture = try ConsoleFixture()
        let (first, second) = (try fixture.link(), try fixture.link())
        try await fixture.application.test(.live) { client in
            let one = try #require(try await client.logIn(token: first))
            let two = try #require(try await client.logIn(token: second))
            let stop = try await client.postForm("/estop", "confirm=yes&csrf=\(two.csrf)", headers: one.headers)
            #expect(stop.status == .forbidden)
        }
        #expect(!fixture.core.emergency.isHalted)
    }

    @Test("a cross-site POST is refused even with the right token", arguments: ["cross-site", "same-site"])
    func crossSitePost(site: String) async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            var headers = session.headers
            headers[HTTPField.Name("Sec-Fetch-Site")!] = site
            let stop = try await client.postForm("/estop", "confirm=yes&csrf=\(session.csrf)", headers: headers)
            #expect(stop.status == .forbidden)
            // Another site, and the opaque origin of a sandboxed frame or a data: URL.
            for origin in ["https://attacker.example", "null"] {
                var foreign = session.headers
                foreign[.origin] = origin
                let other = try await client.postForm("/estop", "confirm=yes&csrf=\(session.csrf)", headers: foreign)
                #expect(other.status == .forbidden)
            }
        }
        #expect(!fixture.core.emergency.isHalted)
    }
}
