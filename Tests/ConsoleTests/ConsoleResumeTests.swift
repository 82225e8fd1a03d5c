import Audit
import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Console resume: a fresh challenge signed with an operator's SSH key, never the session alone")
struct ConsoleResumeTests {
    @Test("without signatures the resume is refused and recorded; with alice's signature it resumes")
    func resumeNeedsSignature() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let idle = try await client.execute(uri: "/resume", method: .get, headers: session.headers)
            #expect(idle.text.contains(#"id="nothing-to-resume""#))
            let stop = try await client.postForm(
                "/estop", "csrf=\(session.csrf)&confirm=yes&reason=drill", headers: session.headers)
            #expect(stop.status == .seeOther)

            let signing = try await client.postForm(
                "/resume/challenge", "csrf=\(session.csrf)", headers: session.headers)
            #expect(signing.status == .ok)
            let challenge = try #require(signing.hiddenValue("challenge"))
            #expect(challenge.hasPrefix("aiOS Security: resume"))

            let unsigned = try await client.postForm(
                "/resume", "csrf=\(session.csrf)&challenge=\(Self.form(challenge))&agents=thaw",
                headers: session.headers)
            #expect(unsigned.status == .forbidden)
            #expect(fixture.core.emergency.isHalted)

            // A browser sends a textarea's line ends as CRLF.
            let signature = try fixture.alice.sign(challenge).replacingOccurrences(of: "\n", with: "\r\n")
            let signed = try await client.postForm(
                "/resume",
                "csrf=\(session.csrf)&challenge=\(Self.form(challenge.replacingOccurrences(of: "\n", with: "\r\n")))"
                    + "&signature1=\(Self.form(signature))&agents=thaw",
                headers: session.headers)
            #expect(signed.status == .seeOther, "\(signed.text)")
            #expect(!fixture.core.emergency.isHalted)
        }
        let resumes = try fixture.entries(action: "resume")
        #expect(resumes.map(\.result) == ["denied", "success"])
        #expect(resumes.allSatisfy { $0.agent == "operator:alice" })
    }

    static func form(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

@Suite("Console live updates: server-sent events for operators only")
struct ConsoleEventTests {
    @Test(
        "an alert recorded after a page opened reaches the page's stream; no session, no stream; a session's newest streams win, and the console holds 64"
    )
    func alertReachesStream() async throws {
        let fixture = try ConsoleFixture()
        fixture.backend.feed.poll()
        let stream = try #require(fixture.backend.feed.subscribe(session: "console-a"))
        var events = stream.makeAsyncIterator()
        let first = await events.next()
        #expect(first?.hasPrefix("event: state\n") == true)
        _ = try await fixture.core.ledger.append(
            AuditDraft(
                eventType: .securityAlert, agent: "ids", action: "ssh.brute_force", target: "203.0.113.9",
                result: .denied, riskLevel: .high))
        fixture.backend.feed.poll()
        let alert = try #require(await events.next())
        #expect(alert.hasPrefix("event: alert\n"))
        #expect(alert.contains("203.0.113.9"))
        // A session's fifth stream ends its first (a page left behind); the others go on.
        let pages = try (0..<5).map { _ in try #require(fixture.backend.feed.subscribe(session: "console-b")) }
        var oldest = pages[0].makeAsyncIterator()
        #expect(await oldest.next()?.hasPrefix("event: state") == true)
        #expect(await oldest.next() == nil, "the oldest page's stream ended")
        var newest = pages[4].makeAsyncIterator()
        #expect(await newest.next()?.hasPrefix("event: state") == true)
        // The console as a whole holds at most 64.
        let others = (0..<70).compactMap { fixture.backend.feed.subscribe(session: "console-\($0)") }
        #expect(others.count == 64 - 1 - 4)
        try await fixture.application.test(.live) { client in
            let anonymous = try await client.execute(uri: "/events", method: .get)
            #expect(anonymous.status == .unauthorized)
            let token = try fixture.link()
            let session = try #require(try await client.logIn(token: token))
            let overview = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(overview.text.contains("ssh.brute_force 203.0.113.9"))
            #expect(overview.text.contains(#"<script src="/static/console.js" defer></script>"#))
        }
    }
}

extension TestResponse {
    /// The value of the hidden input `name`, unescaped.
    func hiddenValue(_ name: String) -> String? {
        guard let range = text.range(of: #"name="\#(name)" value=""#) else { return nil }
        let rest = text[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&#x2F;", with: "/").replacingOccurrences(
            of: "&#x3D;", with: "="
        ).replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
