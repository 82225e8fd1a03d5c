import AIOSProto
import Audit
import Console
import Daemon
import Firewall
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Policy
import SecurityTesting
import Testing

@Suite("Console network: firewall rules and blocks, unblock through ChangeFirewall, IDS alerts")
struct ConsoleNetworkTests {
    static func alert(source: String, evidence: String) -> AuditDraft {
        AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: "ids.port_scan", target: source, result: .success,
            riskLevel: .high,
            details: .object([
                ("rule", .string("port_scan")), ("source", .string(source)),
                ("summary", .string("20 ports in 10 s")), ("evidence", .array([.string(evidence)])),
                ("response", .string("block")),
            ]))
    }

    @Test("without a firewall the page says so and still shows the IDS's alerts, escaped")
    func noFirewall() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        _ = try await fixture.core.ledger.append(Self.alert(source: "10.98.0.2", evidence: "<img src=x onerror=1>"))
        try await fixture.application.test(.live) { client in
            let page = try await client.execute(uri: "/network", method: .get)
            #expect(page.status == .unauthorized)
            #expect(!page.text.contains("10.98.0.2"))
            let session = try #require(try await client.logIn(token: token))
            let network = try await client.execute(uri: "/network", method: .get, headers: session.headers)
            #expect(network.status == .ok)
            #expect(network.text.contains(#"id="no-firewall""#))
            #expect(network.text.contains("ids.port_scan"))
            #expect(network.text.contains("10.98.0.2"))
            #expect(network.text.contains("&lt;img src=x onerror=1&gt;"))
            #expect(!network.text.contains("<img"))
            // Unblocking goes to the handler, which says there is no firewall to change.
            let unblock = try await client.postForm(
                "/network/unblock", "csrf=\(session.csrf)&address=10.98.0.2&reason=test", headers: session.headers)
            #expect(unblock.status == .conflict)
            #expect(unblock.text.contains("does not manage the firewall"))
        }
    }

    @Test("an unblock with a stale CSRF token or from another site is refused and recorded")
    func unblockCSRF() async throws {
        let fixture = try ConsoleFixture()
        let token = try fixture.link()
        try await fixture.application.test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let stale = try await client.postForm(
                "/network/unblock", "csrf=0123&address=10.98.0.2&reason=x", headers: session.headers)
            #expect(stale.status == .forbidden)
            var crossSite = session.headers
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let forged = try await client.postForm(
                "/network/unblock", "csrf=\(session.csrf)&address=10.98.0.2&reason=x", headers: crossSite)
            #expect(forged.status == .forbidden)
        }
        let refusals = try fixture.entries(action: "firewall.unblock")
        #expect(refusals.count == 2)
        #expect(refusals.allSatisfy { $0.result == "denied" && $0.agent == "operator:alice" })
    }

    @Test(
        "with a firewall (in a namespace the test makes): rules with who and why, a block, and unblock as the operator",
        .requiresRoot("a network namespace and nftables"))
    func unblock() async throws {
        let fixture = try ConsoleFixture()
        let namespace = "aios-console-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Self.run(["ip", "netns", "add", namespace])
        defer { try? Self.run(["ip", "netns", "del", namespace]) }
        let ledger = fixture.core.ledger
        var policy = FirewallPolicy.default
        policy.management = [try IPPrefix(parsing: "10.99.0.0/24")]
        let controller = try FirewallController(
            policy: policy, nftables: try Nftables(in: .named(namespace)),
            stateFile: fixture.directory + "/firewall-rules.json",
            record: { drafts in if let error = ledger.append(contentsOf: drafts).error { throw error } })
        try controller.apply(by: "operator:alice", reason: "start")
        _ = try controller.allow(
            .inbound, transport: .tcp, ports: [8080], peer: .prefix(IPPrefix(parsing: "10.99.0.0/24")),
            by: "aios-agent-network", reason: "serve the <build> cache")
        try controller.block(IPAddress("10.98.0.2")!, for: .seconds(600), by: "aios-sec", reason: "port scan")
        let service = SecurityService(
            core: fixture.core,
            broker: Broker(protected: fixture.core.protected, backups: BackupStore(directory: fixture.directory)),
            workers: Workers(firewall: controller))
        let backend = ConsoleBackend(
            core: fixture.core, service: service, workers: Workers(firewall: controller), links: fixture.backend.links,
            allowed: AllowedClients(management: []))
        let token = try fixture.link()
        try await Application(router: ConsoleRoutes(backend: backend).router()).test(.live) { client in
            let session = try #require(try await client.logIn(token: token))
            let page = try await client.execute(uri: "/network", method: .get, headers: session.headers)
            #expect(!page.text.contains(#"id="no-firewall""#))
            #expect(page.text.contains("aios-agent-network"))
            #expect(page.text.contains("serve the &lt;build&gt; cache"))
            #expect(page.text.contains("Unblock 10.98.0.2"))
            let unblock = try await client.postForm(
                "/network/unblock", "csrf=\(session.csrf)&address=10.98.0.2&reason=false+positive",
                headers: session.headers)
            #expect(unblock.status == .seeOther)
            let after = try await client.execute(uri: "/network", method: .get, headers: session.headers)
            #expect(!after.text.contains("Unblock 10.98.0.2"))
        }
        #expect(try controller.blocklist.list().isEmpty)
        let recorded = try #require(try fixture.entries(action: "firewall.unblock").last)
        #expect(recorded.agent == "operator:alice")
        #expect(recorded.result == "success")
        #expect(recorded.json.contains("false positive"))
    }

    static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ConsoleError.configuration("\(arguments.joined(separator: " ")) failed")
        }
    }
}
