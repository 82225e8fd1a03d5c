import Capabilities
import Console
import Daemon
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Console actions: confirmations, grants, agents, through the API's own handlers, recorded as the operator")
struct ConsoleActionTests {
    @Test("a waiting call shows its exact arguments escaped; Approve answers it as the operator")
    func approveWaitingCall() async throws {
        let fixture = try ConsoleFixture()
        let call = try #require(fixture.park(arguments: ["path": "/tmp/job/<b>x</b>", "recursive": "true"]))
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let page = try await client.execute(uri: "/calls", method: .get, headers: session.headers)
            #expect(page.text.contains(#"id="approve-\#(call.id)""#))
            #expect(page.text.contains("/tmp/job/&lt;b&gt;x&lt;/b&gt;"))
            #expect(!page.text.contains("<b>x</b>"))
            #expect(page.text.contains("fs:delete:/tmp/job/*"))
            #expect(page.text.contains("it waits for a confirmation"))
            let answer = try await client.postForm(
                "/calls/answer", "csrf=\(session.csrf)&id=\(call.id)&answer=approve", headers: session.headers)
            #expect(answer.status == .seeOther)
        }
        #expect(await fixture.core.pending.outcome(of: call) == .approved(by: "operator:alice"))
    }

    @Test("Deny answers with the operator's reason; an unknown call is a 404 page, not a crash")
    func denyAndUnknown() async throws {
        let fixture = try ConsoleFixture()
        let call = try #require(fixture.park(arguments: ["path": "/tmp/job/x"]))
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let deny = try await client.postForm(
                "/calls/answer", "csrf=\(session.csrf)&id=\(call.id)&answer=deny&reason=not+today",
                headers: session.headers)
            #expect(deny.status == .seeOther)
            let again = try await client.postForm(
                "/calls/answer", "csrf=\(session.csrf)&id=\(call.id)&answer=approve", headers: session.headers)
            #expect(again.status == .notFound)
            #expect(again.text.contains("no pending call"))
            let odd = try await client.postForm(
                "/calls/answer", "csrf=\(session.csrf)&id=\(call.id)&answer=maybe", headers: session.headers)
            #expect(odd.status == .badRequest)
        }
        #expect(await fixture.core.pending.outcome(of: call) == .denied(by: "operator:alice", reason: "not today"))
    }

    @Test("an answer without the session's CSRF token is refused, recorded, and the call still waits")
    func answerNeedsCSRF() async throws {
        let fixture = try ConsoleFixture()
        let call = try #require(fixture.park(arguments: ["path": "/tmp/job/x"]))
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let forged = try await client.postForm(
                "/calls/answer", "csrf=\(String(repeating: "0", count: 64))&id=\(call.id)&answer=approve",
                headers: session.headers)
            #expect(forged.status == .forbidden)
            let anonymous = try await client.postForm("/calls/answer", "id=\(call.id)&answer=approve")
            #expect(anonymous.status == .unauthorized)
        }
        #expect(fixture.core.pending.calls.map(\.id) == [call.id])
        #expect(try fixture.entries(action: "confirm").last?.result == "denied")
    }

    @Test("the grants page says who granted and why; Revoke ends the grant through the authority, recorded")
    func revokeGrant() async throws {
        let fixture = try ConsoleFixture()
        let grant = try fixture.grant("fs:read:/tmp/reports/*", reason: "monthly <report>")
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let page = try await client.execute(uri: "/agents", method: .get, headers: session.headers)
            #expect(page.text.contains("monthly &lt;report&gt;"))
            #expect(page.text.contains(#"id="revoke-\#(grant.id)""#))
            let revoke = try await client.postForm(
                "/grants/revoke", "csrf=\(session.csrf)&grant=\(grant.id)", headers: session.headers)
            #expect(revoke.status == .ok, "the first click asks")
            #expect(revoke.text.contains(#"id="revoke-confirm""#))
            #expect(fixture.core.authority.activeGrants(at: fixture.clock.now()).count == 1)
            let confirmed = try await client.postForm(
                "/grants/revoke", "csrf=\(session.csrf)&grant=\(grant.id)&reason=done&confirm=yes",
                headers: session.headers)
            #expect(confirmed.status == .seeOther)
            let twice = try await client.postForm(
                "/grants/revoke", "csrf=\(session.csrf)&grant=\(grant.id)&confirm=yes", headers: session.headers)
            #expect(twice.status != .seeOther)
        }
        #expect(fixture.core.authority.activeGrants(at: fixture.clock.now()).isEmpty)
        let entry = try #require(try fixture.entries(action: "revoke").first)
        #expect(entry.json.contains("operator:alice"))
    }

    @Test("a package call shows its provenance report, escaped, beside its arguments")
    func packageReportShown() async throws {
        let fixture = try ConsoleFixture()
        let report = #"{"findings":[{"detail":"maintainer script postinst <script>","kind":"install_script"}]}"#
        _ = try #require(
            fixture.core.pending.park(
                agent: "worker-a", tool: "pkg.install", arguments: ["package": "nginx"],
                capability: "pkg:install:nginx",
                risk: .high, reason: "web server", explanation: "high-risk tool", report: report,
                now: fixture.clock.now()))
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let page = try await client.execute(uri: "/calls", method: .get, headers: session.headers)
            #expect(page.text.contains("Provenance report"))
            #expect(page.text.contains("maintainer script postinst &lt;script&gt;"))
            #expect(!page.text.contains("postinst <script>"))
        }
    }

    @Test("stopping an agent on a daemon that runs none is refused with the API's reason")
    func stopAgentWithoutSpawner() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let stop = try await client.postForm(
                "/agents/stop", "csrf=\(session.csrf)&agent=worker-a&confirm=yes", headers: session.headers)
            #expect(stop.status == .conflict)
            #expect(stop.text.contains("Refused"))
        }
    }
}

extension ConsoleFixture {
    /// A high-risk call of `worker-a` waiting for a confirmation.
    func park(arguments: [String: String]) -> PendingCalls.Call? {
        core.pending.park(
            agent: "worker-a", tool: "fs.delete", arguments: arguments, capability: "fs:delete:/tmp/job/*",
            risk: .high, reason: "old job files", explanation: "fs.delete is high risk: it waits for a confirmation",
            now: clock.now())
    }

    /// A grant to `worker-a` made by the orchestrator.
    func grant(_ capability: String, reason: String) throws -> Grant {
        let outcome = try core.authority.grant(
            GrantRequest(
                agent: AgentName("worker-a"), capability: try Capability(parsing: capability),
                lifetime: .duration(.seconds(600)), reason: reason, taskID: nil), by: .orchestrator, at: clock.now()
        ) { _ in }
        guard case .granted(let grant) = outcome else { throw GrantFailure(description: "\(outcome)") }
        return grant
    }

    struct GrantFailure: Error, CustomStringConvertible { let description: String }
}
