import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Console overview: ledger and certificate health")
struct ConsoleOverviewTests {
    @Test(
        "a certificate past the point where it should have been renewed is flagged, a fresh one not; one that cannot be read says so"
    )
    func certificateExpiries() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/aios-console-cert-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixture = try ConsoleFixture(
            certificates: true,
            expiries: [
                ("overdue", directory + "/overdue.pem"), ("fresh", directory + "/fresh.pem"),
                ("missing", directory + "/none.pem"),
            ])
        let pki = try ConsolePKI(fixture)
        // 24 h certificates: one issued 20 h ago (past its renewal at 16 h), one now.
        let overdue = try pki.issue(
            "spiffe://aios.local/service/overdue", as: "overdue", now: Date() - 20 * 3600, lifetime: 24 * 3600)
        let fresh = try pki.issue("spiffe://aios.local/service/fresh", as: "fresh", lifetime: 24 * 3600)
        try FileManager.default.copyItem(atPath: overdue.certificatePath, toPath: directory + "/overdue.pem")
        try FileManager.default.copyItem(atPath: fresh.certificatePath, toPath: directory + "/fresh.pem")
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let overview = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(overview.text.contains(#"<tr class="soon"><td>overdue</td>"#))
            #expect(overview.text.contains("<tr><td>fresh</td>"))
            #expect(!overview.text.contains(#"<tr class="soon"><td>fresh</td>"#))
            #expect(overview.text.contains("<td>missing</td><td>cannot be read</td>"))
            #expect(overview.text.contains(#"id="ledger-entries">"#))
        }
    }
}
