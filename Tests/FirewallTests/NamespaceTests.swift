import Audit
import Foundation
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Firewall

/// The firewall for real: rulesets applied by libnftables inside namespaces made for each test, real TCP and DNS
/// between them. Serialised: the timing checks (rate limits, timeouts) need the two cores to themselves.
@Suite(.serialized) struct NamespaceTests {
    static func policy(management: [String] = ["10.99.0.0/24", "fd99::/64"]) throws -> FirewallPolicy {
        var policy = FirewallPolicy.default
        policy.management = try management.map { try IPPrefix(parsing: $0) }
        policy.dns.servers = [IPAddress("10.98.0.2")!]
        return policy
    }

    @Test(.requiresRoot("network namespaces and nftables")) func appliedTableIsTheRenderingAndReapplyingChangesNothing()
        throws
    {
        let network = try TestNetwork()
        defer { network.close() }
        try network.exec(
            network.fw,
            [
                "nft",
                "add table inet other; add chain inet other c { type filter hook input priority 10; policy accept; }; "
                    + "add rule inet other c tcp dport 1 counter",
            ], check: true)
        let otherBefore = try network.exec(network.fw, ["nft", "list", "table", "inet", "other"]).output
        let nftables = try Nftables(in: .named(network.fw))
        let table = FirewallTable(nftables: nftables)
        let ruleset = FirewallRuleset(policy: try Self.policy())
        #expect(try table.diff(ruleset).isEmpty == false)
        try table.apply(ruleset)
        let listed = try network.exec(network.fw, ["nft", "-t", "-s", "list", "table", "inet", "aios"]).output
        #expect(
            listed == RulesetRenderer.render(ruleset), "\(TextDiff(from: RulesetRenderer.render(ruleset), to: listed))")
        #expect(try table.diff(ruleset).isEmpty)

        let blocklist = Blocklist(nftables: nftables)
        try blocklist.block(IPAddress("192.0.2.9")!, for: .seconds(600), reason: "test block")
        let allow = AllowSets(nftables: nftables, grants: ruleset.nameGrants, minimumTTL: .seconds(300))
        #expect(try allow.learn(name: "api.openai.com", addresses: [(IPAddress("192.0.2.44")!, 60)]) == 1)
        #expect(try table.apply(ruleset) == 2)
        #expect(try network.exec(network.fw, ["nft", "-t", "-s", "list", "table", "inet", "aios"]).output == listed)
        let blocked = try blocklist.list()
        #expect(blocked.map(\.address.description) == ["192.0.2.9"])
        #expect(blocked.first?.reason == "test block")
        #expect((blocked.first?.remaining ?? .zero) > .seconds(590))
        #expect(try table.elements(of: "allow4").map(\.key) == ["192.0.2.44 . tcp . 443"])
        #expect(try network.exec(network.fw, ["nft", "list", "table", "inet", "other"]).output == otherBefore)
    }

    @Test(.requiresRoot("network namespaces and nftables")) func inboundOnlyManagementPortsFromTheManagementSubnet()
        throws
    {
        let network = try TestNetwork()
        defer { network.close() }
        try network.start(network.fw, script: "serve.py", ["::", "9090", "22", "8080"])
        let nftables = try Nftables(in: .named(network.fw))
        try FirewallTable(nftables: nftables).apply(FirewallRuleset(policy: try Self.policy()))
        #expect(try network.connects(from: network.mgmt, to: "10.99.0.1", port: 9090) == 1)
        // Over IPv6 too, which needs neighbour discovery to pass the table.
        #expect(try network.connects(from: network.mgmt, to: "fd99::1", port: 22) == 1)
        #expect(try network.connects(from: network.mgmt, to: "10.99.0.1", port: 8080) == 0)
        #expect(try network.connects(from: network.ext, to: "10.98.0.1", port: 9090) == 0)
        // Outbound from the machine: nothing but what is allowed (a reject, so it fails fast).
        try network.start(network.ext, script: "serve.py", ["10.98.0.2", "443"])
        #expect(try network.connects(from: network.fw, to: "10.98.0.2", port: 443) == 0)
    }

    @Test(.requiresRoot("network namespaces and nftables")) func aBlockedAddressIsCutOffUntilTheKernelUnblocksIt()
        throws
    {
        let network = try TestNetwork()
        defer { network.close() }
        try network.start(network.fw, script: "serve.py", ["::", "9090"])
        let nftables = try Nftables(in: .named(network.fw))
        try FirewallTable(nftables: nftables).apply(FirewallRuleset(policy: try Self.policy()))
        #expect(try network.connects(from: network.mgmt, to: "10.99.0.1", port: 9090) == 1)
        let blocklist = Blocklist(nftables: nftables)
        try blocklist.block(IPAddress("10.99.0.2")!, for: .seconds(3), reason: "test")
        #expect(try network.connects(from: network.mgmt, to: "10.99.0.1", port: 9090) == 0)
        Thread.sleep(forTimeInterval: 3.5)
        #expect(try blocklist.list().isEmpty)
        #expect(try network.connects(from: network.mgmt, to: "10.99.0.1", port: 9090) == 1)
    }

    @Test(.requiresRoot("network namespaces and nftables")) func aFloodFromOneSourceIsDroppedWhileAnotherStillConnects()
        throws
    {
        let network = try TestNetwork()
        defer { network.close() }
        try network.start(network.fw, script: "serve.py", ["::", "9090"])
        var policy = try Self.policy(management: ["10.99.0.0/24", "10.98.0.0/24"])
        policy.rateLimit = .init(newPerSecond: 5, burst: 5, concurrent: 100)
        let nftables = try Nftables(in: .named(network.fw))
        let table = FirewallTable(nftables: nftables)
        try table.apply(FirewallRuleset(policy: policy))
        let flood = try network.connects(from: network.ext, to: "10.98.0.1", port: 9090, count: 60)
        #expect(flood > 0 && flood <= 15, "accepted \(flood) of 60")
        #expect(try network.connects(from: network.mgmt, to: "10.99.0.1", port: 9090) == 1)
        // Concurrent connections per source: 4 held open, the rest dropped.
        policy.rateLimit = .init(newPerSecond: 1000, burst: 1000, concurrent: 4)
        try table.apply(FirewallRuleset(policy: policy))
        #expect(try network.connects(from: network.mgmt, to: "10.99.0.1", port: 9090, count: 8, hold: true) == 4)
    }

    @Test(.requiresRoot("network namespaces and nftables")) func outboundNamesOpenOnlyAfterTheForwarderSawTheAnswer()
        throws
    {
        let network = try TestNetwork()
        defer { network.close() }
        try network.start(
            network.ext, script: "dnsd.py", ["10.98.0.2", "api.example.test=10.98.0.2", "other.example.test=10.98.0.2"])
        try network.start(network.ext, script: "serve.py", ["10.98.0.2", "443", "80"])
        var policy = try Self.policy()
        policy.allowedNames = [try HostPattern(parsing: "api.example.test")]
        policy.dns.minimumTTL = .seconds(3)
        let nftables = try Nftables(in: .named(network.fw))
        let ruleset = FirewallRuleset(policy: policy)
        try FirewallTable(nftables: nftables).apply(ruleset)
        let allow = AllowSets(nftables: nftables, grants: ruleset.nameGrants, minimumTTL: .seconds(3))
        let forwarder = DNSForwarder(configuration: .init(policy.dns), allowSets: allow, thread: nftables.thread)
        try forwarder.start()
        defer { forwarder.stop() }

        #expect(try network.connects(from: network.fw, to: "10.98.0.2", port: 443) == 0)
        // DNS only through the forwarder: the server itself is out of reach, even for root, over UDP and TCP.
        #expect(try network.query(from: network.fw, server: "10.98.0.2", name: "api.example.test") == "timeout")
        #expect(
            try network.query(from: network.fw, server: "10.98.0.2", name: "api.example.test", tcp: true) == "timeout")
        #expect(
            try network.query(from: network.fw, server: "127.0.0.53", name: "other.example.test")
                == "rcode=5 addresses=")
        #expect(try network.connects(from: network.fw, to: "10.98.0.2", port: 443) == 0)

        #expect(
            try network.query(from: network.fw, server: "127.0.0.53", name: "api.example.test")
                == "rcode=0 addresses=10.98.0.2")
        #expect(try network.connects(from: network.fw, to: "10.98.0.2", port: 443) == 1)
        #expect(try network.connects(from: network.fw, to: "10.98.0.2", port: 80) == 0)
        #expect(
            try network.query(from: network.fw, server: "127.0.0.53", name: "api.example.test", tcp: true)
                == "rcode=0 addresses=10.98.0.2")
        #expect(forwarder.statistics.refused == 1)
        // TTL 1, minimum 3 s: the kernel drops the address again by itself.
        Thread.sleep(forTimeInterval: 4)
        #expect(try network.connects(from: network.fw, to: "10.98.0.2", port: 443) == 0)
    }

    @Test(.requiresRoot("network namespaces and nftables"))
    func controllerChangesAreAuditedKeptAndReappliedAfterARestart() throws {
        let network = try TestNetwork()
        defer { network.close() }
        try network.start(network.fw, script: "serve.py", ["::", "8080"])
        let directory = NSTemporaryDirectory() + "aios-fw-state-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entries = Mutex<[AuditDraft]>([])
        let record: @Sendable ([AuditDraft]) throws -> Void = { drafts in entries.withLock { $0 += drafts } }
        let nftables = try Nftables(in: .named(network.fw))
        let controller = try FirewallController(
            policy: try Self.policy(), nftables: nftables, stateFile: directory + "/rules.json", record: record)
        try controller.apply(by: "operator", reason: "first start")
        #expect(try network.connects(from: network.ext, to: "10.98.0.1", port: 8080) == 0)
        let rule = try controller.allow(
            .inbound, transport: .tcp, ports: [8080], peer: .prefix(IPPrefix(parsing: "10.98.0.0/24")),
            by: "aios-agent-network", reason: "serve the build cache")
        #expect(rule.id == "r1")
        #expect(try network.connects(from: network.ext, to: "10.98.0.1", port: 8080) == 1)
        #expect(throws: FirewallError.conflict("")) {
            try controller.allow(
                .inbound, transport: .tcp, ports: [8080], peer: .prefix(IPPrefix(parsing: "10.98.0.0/24")),
                by: "aios-agent-network", reason: "again")
        }

        // A restart: a new controller from the state file, on a table someone removed.
        try controller.table.remove()
        let restarted = try FirewallController(
            policy: try Self.policy(), nftables: nftables, stateFile: directory + "/rules.json", record: record)
        #expect(restarted.list() == [rule])
        #expect(
            try restarted.diff().description.contains(
                "+ \t\tip saddr 10.98.0.0/24 tcp dport 8080 accept comment \"aios:r1\""))
        try restarted.apply(by: "operator", reason: "restart")
        #expect(try network.connects(from: network.ext, to: "10.98.0.1", port: 8080) == 1)
        try restarted.remove(id: "r1", by: "operator", reason: "done")
        #expect(try network.connects(from: network.ext, to: "10.98.0.1", port: 8080) == 0)
        #expect(throws: FirewallError.notFound("")) { try restarted.remove(id: "r1", by: "operator", reason: "again") }

        let recorded = entries.withLock { $0 }
        #expect(recorded.map(\.action) == ["firewall.apply", "firewall.allow", "firewall.apply", "firewall.remove"])
        #expect(recorded.allSatisfy { $0.eventType == .policyChange })
        #expect(recorded[1].agent == "aios-agent-network" && recorded[1].target == "firewall:rule:r1")
    }
}
