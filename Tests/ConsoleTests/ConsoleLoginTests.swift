import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Console login: one-time links, sessions, refusals recorded")
struct ConsoleLoginTests {
    @Test("a link logs in once, sets a strict cookie, and the login is recorded as the operator")
    func linkLogsInOnce() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let login = try await client.postForm("/login", "token=\(token)")
            #expect(login.status == .seeOther)
            #expect(login.headers[.location] == "/")
            let setCookie = try #require(login.headers[.setCookie])
            for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=3600"] {
                #expect(setCookie.contains(attribute), "Set-Cookie lacks \(attribute): \(setCookie)")
            }
            let again = try await client.postForm("/login", "token=\(token)")
            #expect(again.status == .forbidden)
            #expect(again.sessionCookie == nil)
        }
        let logins = try fixture.entries(action: "console.login")
        #expect(logins.map(\.result) == ["success", "denied"])
        #expect(logins.first?.agent == "operator:alice")
        #expect(logins.last?.json.contains("unknown or already used login link") == true)
    }

    @Test("opening the link only shows a button: a prefetch does not use it up")
    func getDoesNotRedeem() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let page = try await client.execute(uri: "/login?token=\(token)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<form method="post" action="/login">"#))
            #expect(try await client.logIn(token: token) != nil)
        }
    }

    @Test("an expired link is refused and recorded with the operator it was made for")
    func expiredLink() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        fixture.clock.advance(by: .seconds(301))
        try await fixture.application.test(.live) { client in
            let login = try await client.postForm("/login", "token=\(token)")
            #expect(login.status == .forbidden)
            #expect(login.sessionCookie == nil)
            #expect(login.text.contains("expired login link"))
        }
        let refused = try #require(try fixture.entries(action: "console.login").last)
        #expect(refused.result == "denied")
        #expect(refused.agent == "operator:alice")
    }

    @Test("a link for someone who is not an operator in the policy is refused")
    func notAnOperator() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link(for: "mallory")
        try await fixture.application.test(.live) { client in
            let login = try await client.postForm("/login", "token=\(token)")
            #expect(login.status == .forbidden)
            #expect(login.sessionCookie == nil)
        }
        #expect(try fixture.entries(action: "console.login").map(\.agent) == ["operator:mallory"])
    }

    @Test(
        "guessed, malformed or path-shaped tokens are refused without touching other files",
        arguments: ["", "00", String(repeating: "0", count: 64), "../../etc/passwd", String(repeating: "A", count: 64)])
    func forgedTokens(token: String) async throws {
        let fixture = try ConsoleFixture()
        try await fixture.application.test(.live) { client in
            let login = try await client.postForm("/login", "token=\(token)")
            #expect(login.status == .forbidden)
            #expect(login.sessionCookie == nil)
        }
    }

    @Test("without a session every page is the login page, and a made-up cookie opens nothing")
    func noSessionOnlyLoginPage() async throws {
        let fixture = try ConsoleFixture()
        try await fixture.application.test(.live) { client in
            for headers: HTTPFields in [[:], [.cookie: "__Host-aios-console=" + String(repeating: "a", count: 64)]] {
                let overview = try await client.execute(uri: "/", method: .get, headers: headers)
                #expect(overview.status == .unauthorized)
                #expect(overview.text.contains("aios-sec console login --operator NAME"))
                #expect(!overview.text.contains("Emergency stop"))
                let stop = try await client.postForm("/estop", "confirm=yes", headers: headers)
                #expect(stop.status == .unauthorized)
            }
        }
        #expect(!fixture.core.emergency.isHalted)
    }

    @Test("a session ends at its expiry")
    func sessionExpires() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            fixture.clock.advance(by: .seconds(3601))
            let overview = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(overview.status == .unauthorized)
        }
    }

    @Test("log out ends the session on the server, not only in the browser")
    func logoutEndsSession() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let out = try await client.postForm("/logout", "csrf=\(session.csrf)", headers: session.headers)
            #expect(out.status == .seeOther)
            let overview = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(overview.status == .unauthorized)
        }
        #expect(fixture.backend.sessions.count == 0)
    }
}
