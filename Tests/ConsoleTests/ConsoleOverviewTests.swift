import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Console overview: ledger and certificate health")
struct ConsoleOverviewTests {
    @Test("a certificate that expires within 14 days is flagged; one that cannot be read says so")
    func certificateExpiries() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/aios-console-cert-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3", "-subj",
            "/CN=expiring-soon", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
        ]
        openssl.standardError = Pipe()
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        let fixture = try ConsoleFixture(
            certificates: [("short-lived", directory + "/cert.pem"), ("missing", directory + "/none.pem")])
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let overview = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(overview.text.contains(#"<tr class="soon"><td>short-lived</td><td>CN=expiring-soon</td>"#))
            #expect(overview.text.contains("<td>missing</td><td>cannot be read</td>"))
            #expect(overview.text.contains(#"id="ledger-entries">"#))
        }
    }
}
