import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Console emergency stop: two clicks, the gRPC handler's path, recorded as the operator")
struct ConsoleEmergencyTests {
    @Test("the first click only asks again; the second stops the system as the operator")
    func twoClicksStop() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let overview = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(overview.text.contains(#"id="mode">autonomous<"#))
            let first = try await client.postForm("/estop", "csrf=\(session.csrf)", headers: session.headers)
            #expect(first.status == .ok)
            #expect(first.text.contains("Stop everything now"))
            #expect(!fixture.core.emergency.isHalted)
            let second = try await client.postForm(
                "/estop", "csrf=\(session.csrf)&confirm=yes&reason=agents+misbehave", headers: session.headers)
            #expect(second.status == .seeOther)
            #expect(fixture.core.emergency.isHalted)
            let after = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(after.text.contains(#"id="mode">manual<"#))
            #expect(after.text.contains("agents misbehave"))
            #expect(!after.text.contains(#"id="estop""#))
        }
        let stop = try #require(try fixture.entries(action: "emergency_stop").last)
        #expect(stop.eventType == "emergency")
        #expect(stop.agent == "operator:alice")
        #expect(fixture.core.emergency.record?.by == "operator:alice")
    }

    @Test("what an agent controls is shown escaped, never as markup")
    func agentTextEscaped() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let stop = try await client.postForm(
                "/estop", "csrf=\(session.csrf)&confirm=yes&reason=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                headers: session.headers)
            #expect(stop.status == .seeOther)
            let after = try await client.execute(uri: "/", method: .get, headers: session.headers)
            #expect(!after.text.contains("<script>"))
            #expect(after.text.contains("&lt;script&gt;"))
        }
    }
}
