import Audit
import Console
import Daemon
import Foundation
import Guard
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Console review: the AI analysis's items for a person, acknowledged by an operator, recorded")
struct ConsoleReviewTests {
    @Test("an item shows escaped with links to its entries; Acknowledge closes it as the operator, recorded")
    func acknowledge() async throws {
        let fixture = try ConsoleFixture()
        let item = try fixture.reviews.add(
            ReviewDraft(
                kind: .suggestion, summary: "emergency stop suggested: <script>alert(1)</script>",
                entryIDs: ["audit-abc"]), at: fixture.clock.now())
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let overview = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(overview.text.contains(#"id="review-count">1</strong>"#), "the overview counts open items")
            let page = try await client.execute(uri: "/reviews", method: .get, headers: session.headers)
            #expect(page.text.contains(#"id="ack-\#(item.id)""#))
            #expect(page.text.contains(#"href="/audit/entry/audit-abc""#))
            #expect(page.text.contains("&lt;script&gt;") && !page.text.contains("<script>alert(1)"))
            let forged = try await client.postForm(
                "/reviews/acknowledge", "csrf=\(String(repeating: "0", count: 64))&id=\(item.id)&note=x",
                headers: session.headers)
            #expect(forged.status == .forbidden)
            let done = try await client.postForm(
                "/reviews/acknowledge", "csrf=\(session.csrf)&id=\(item.id)&note=looked+at+it", headers: session.headers
            )
            #expect(done.status == .seeOther)
            let again = try await client.postForm(
                "/reviews/acknowledge", "csrf=\(session.csrf)&id=\(item.id)&note=twice", headers: session.headers)
            #expect(again.status == .conflict, "acknowledged once: \(again.text)")
            let after = try await client.execute(uri: "/reviews", method: .get, headers: session.headers)
            #expect(after.text.contains(#"id="no-reviews""#))
            let every = try await client.execute(uri: "/reviews?all=1", method: .get, headers: session.headers)
            #expect(every.text.contains("by operator:alice"))
        }
        #expect(try fixture.reviews.item(id: item.id)?.note == "looked at it")
        let recorded = try #require(try fixture.entries(action: "review.acknowledge").last)
        #expect(recorded.agent == "operator:alice" && recorded.target == item.id)
    }
}
