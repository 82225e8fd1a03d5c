import Audit
import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Console audit: search, entries, proofs, verification, export")
struct ConsoleAuditTests {
    static func draft(agent: String, target: String = "/srv/data", type: AuditEventType = .toolCall) -> AuditDraft {
        AuditDraft(
            eventType: type, agent: agent, action: "fs.read", target: target, result: .denied, riskLevel: .high,
            details: .object([("note", .string("<b>bold</b>"))]))
    }

    static func append(_ fixture: ConsoleFixture, _ drafts: [AuditDraft]) throws -> [AuditEntry] {
        let (entries, error) = fixture.core.ledger.append(contentsOf: drafts)
        if let error { throw error }
        return entries
    }

    @Test("without a session every audit page is the login page")
    func noSession() async throws {
        let fixture = try ConsoleFixture()
        let entry = try #require(try Self.append(fixture, [Self.draft(agent: "worker-a")]).first)
        try await fixture.application.test(.live) { client in
            for uri in [
                "/audit", "/audit?agent=worker-a", "/audit/entry/\(entry.id)", "/audit/entry/\(entry.id)/proof",
            ] {
                let page = try await client.execute(uri: uri, method: .get)
                #expect(page.status == .unauthorized, "\(uri)")
                #expect(page.text.contains("Log in"))
                #expect(!page.text.contains(entry.id))
            }
            for uri in ["/audit/export", "/audit/verify", "/network/unblock"] {
                let post = try await client.postForm(uri, "csrf=x&address=10.98.0.2&reason=x")
                #expect(post.status == .unauthorized, "\(uri)")
                #expect(post.text.contains("Log in"))
                #expect(!post.text.contains("{\"id\""))
            }
        }
    }

    @Test("a search shows the matching entries newest first, agent-written text escaped")
    func search() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        let entries = try Self.append(
            fixture,
            [
                Self.draft(agent: "worker-a", target: "/srv/one"), Self.draft(agent: "worker-b"),
                Self.draft(agent: "worker-a", target: "/srv/<script>alert(1)</script>"),
            ])
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let page = try await client.execute(
                uri: "/audit?agent=worker-a&type=tool_call&result=denied&risk=high&target=%2Fsrv%2F",
                method: .get, headers: session.headers)
            #expect(page.status == .ok)
            let first = try #require(page.text.range(of: entries[2].id))
            let second = try #require(page.text.range(of: entries[0].id))
            #expect(first.lowerBound < second.lowerBound)
            #expect(!page.text.contains(entries[1].id))
            #expect(!page.text.contains("<script>alert"))
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // The search is kept in the form and in the export's hidden fields.
            #expect(page.text.contains(#"name="agent" value="worker-a""#))
        }
    }

    @Test("bad search input is a 400 page naming the field, never a crash or an empty answer")
    func badInput() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            for (query, field) in [
                ("since=yesterday", "From"), ("until=2026-13-45", "To"), ("risk=extreme", "Risk"),
                ("type=everything", "Type"), ("result=maybe", "Result"), ("agent=a%00b", "Agent"),
                ("since=1h&until=2h", "until"), ("before=..%2F..%2Fetc%2Fpasswd", "before"),
                ("target=" + String(repeating: "A", count: 5000), "Target starts with"),
            ] {
                let page = try await client.execute(uri: "/audit?\(query)", method: .get, headers: session.headers)
                #expect(page.status == .badRequest, "\(query.prefix(40))")
                #expect(page.text.contains(field), "\(query.prefix(40))")
                #expect(page.text.contains(#"role="alert""#))
                #expect(!page.text.contains(#"id="results""#))
            }
            // A repeated field is not a form the console makes.
            let twice = try await client.execute(
                uri: "/audit?agent=a&agent=b", method: .get, headers: session.headers)
            #expect(twice.status == .badRequest)
        }
    }

    @Test("results come in bounded pages; the older link continues where the page ended")
    func paging() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        let entries = try Self.append(fixture, (0..<120).map { _ in Self.draft(agent: "pager") })
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            var uri: String? = "/audit?agent=pager"
            var seen: [String] = []
            while let next = uri, seen.count <= 200 {
                let page = try await client.execute(uri: next, method: .get, headers: session.headers)
                #expect(page.status == .ok)
                let ids = page.text.ranges(of: #/href="/audit/entry/(audit-[0-9a-f-]+)"/#).map {
                    String(page.text[$0].dropFirst(#"href="/audit/entry/"#.count).dropLast())
                }
                #expect(ids.count <= 50)
                seen += ids
                uri = page.text.firstMatch(of: #/href="(/audit\?[^"]*)" id="older"/#).map {
                    String($0.1).replacingOccurrences(of: "&amp;", with: "&")
                }
            }
            #expect(seen == entries.map(\.id).reversed())
        }
    }

    @Test("an entry page shows every field and its chain; ids that are not ids are refused before any lookup")
    func entryPage() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        let entry = try #require(try Self.append(fixture, [Self.draft(agent: "worker-<i>a</i>")]).first)
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let page = try await client.execute(uri: "/audit/entry/\(entry.id)", method: .get, headers: session.headers)
            #expect(page.status == .ok)
            #expect(page.text.contains("worker-&lt;i&gt;a&lt;/i&gt;"))
            #expect(!page.text.contains("<i>a</i>"))
            #expect(page.text.contains("&lt;b&gt;bold&lt;/b&gt;"))
            #expect(page.text.contains("previous hash"))
            #expect(page.text.contains(MerkleTree.leafHash(Array(entry.canonicalJSON.utf8)).hex))
            for bad in [
                "..%2F..%2F..%2Fetc%2Fpasswd", "audit-20261203-000000-zzzzzz", "audit-2026120-000000-abcdef0",
                String(repeating: "a", count: 5000), "audit-20261203-000000-ABCDEF", "%00",
            ] {
                let refused = try await client.execute(
                    uri: "/audit/entry/\(bad)", method: .get, headers: session.headers)
                #expect(refused.status == .badRequest || refused.status == .notFound, "\(bad.prefix(30))")
                #expect(!refused.text.contains("root:"))
            }
            let unknown = try await client.execute(
                uri: "/audit/entry/audit-19990101-000000-abcdef", method: .get, headers: session.headers)
            #expect(unknown.status == .notFound)
        }
    }

    @Test("an entry's inclusion proof is made and checked against the signed checkpoint")
    func proof() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        let entry = try #require(try Self.append(fixture, [Self.draft(agent: "worker-a")]).first)
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            // Checkpoints follow new entries within a second: until then the page says none covers the entry.
            var page = try await client.execute(
                uri: "/audit/entry/\(entry.id)/proof", method: .get, headers: session.headers)
            for _ in 0..<100 where page.status != .ok {
                try await Task.sleep(for: .milliseconds(100))
                page = try await client.execute(
                    uri: "/audit/entry/\(entry.id)/proof", method: .get, headers: session.headers)
            }
            #expect(page.status == .ok)
            #expect(page.text.contains(#"id="proof-result">Valid"#))
            #expect(page.text.contains("aios-audit-inclusion-proof/1"))
        }
    }

    @Test("a stale CSRF token is refused and recorded for verify and export; nothing is exported")
    func staleCSRF() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        _ = try Self.append(fixture, [Self.draft(agent: "worker-a")])
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            for action in ["verify", "export"] {
                let refused = try await client.postForm(
                    "/audit/\(action)", "csrf=0000&agent=worker-a", headers: session.headers)
                #expect(refused.status == .forbidden)
                #expect(!refused.text.contains("worker-a"))
            }
        }
        for action in ["audit.verify", "audit.export"] {
            let refusal = try #require(try fixture.entries(action: action).last)
            #expect(refusal.result == "denied")
            #expect(refusal.agent == "operator:alice")
        }
    }

    @Test("a verification runs in the background, its progress followed, its outcome recorded")
    func verify() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        _ = try Self.append(fixture, (0..<300).map { _ in Self.draft(agent: "worker-a") })
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let start = try await client.postForm("/audit/verify", "csrf=\(session.csrf)", headers: session.headers)
            #expect(start.status == .seeOther)
            let location = try #require(start.headers[.location])
            #expect(location.hasPrefix("/audit/verify/"))
            var status = ""
            for _ in 0..<300 where !status.contains(#""finished":true"#) {
                status = try await client.execute(
                    uri: location + "/status", method: .get, headers: session.headers
                ).text
                if !status.contains(#""finished":true"#) { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status.contains(#""intact":true"#))
            let page = try await client.execute(uri: location, method: .get, headers: session.headers)
            #expect(page.text.contains(#"id="verify-result">Intact"#))
            #expect(!page.text.contains("<script>"))
            let other = try await client.execute(
                uri: "/audit/verify/0123456789abcdef", method: .get, headers: session.headers)
            #expect(other.status == .notFound)
        }
        var recorded: [StoredEntry] = []
        for _ in 0..<100 {
            recorded = try fixture.entries(action: "audit.verify")
            if recorded.count == 2 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(recorded.map(\.result) == ["pending", "success"])
        #expect(recorded.allSatisfy { $0.agent == "operator:alice" })
    }

    @Test("an export is the search's entries as JSON lines, byte for byte, and is recorded as the operator")
    func export() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        let entries = try Self.append(
            fixture, (0..<600).map { Self.draft(agent: $0 % 2 == 0 ? "worker-a" : "worker-b") })
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let export = try await client.postForm(
                "/audit/export", "csrf=\(session.csrf)&agent=worker-a&type=tool_call", headers: session.headers)
            #expect(export.status == .ok)
            #expect(export.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            let lines = export.text.split(separator: "\n").map(String.init)
            #expect(lines == entries.filter { $0.agent == "worker-a" }.map(\.canonicalJSON))
            let bad = try await client.postForm(
                "/audit/export", "csrf=\(session.csrf)&risk=everything", headers: session.headers)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("Risk"))
        }
        let recorded = try #require(try fixture.entries(action: "audit.export").last)
        #expect(recorded.agent == "operator:alice")
        #expect(recorded.result == "success")
        #expect(recorded.json.contains(#""agent":"worker-a""#))
    }
}
