import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Firewall

/// Issue 14, case 3: a client that stalls queries (an upstream that never answers them) and holds TCP connections
/// open byte by byte must not starve anyone else's lookups.
@Suite(.serialized) struct DNSStarvationTests {
    @Test(.requiresRoot("network namespaces and nftables")) func slowQueriesAndSlowConnectionsStarveNoOtherClient()
        throws
    {
        let network = try TestNetwork()
        defer { network.close() }
        try network.start(network.ext, script: "dnsd.py", ["10.98.0.2", "api.example.test=10.98.0.2"])
        var policy = try NamespaceTests.policy()
        policy.allowedNames = [try HostPattern(parsing: "*.example.test")]
        let nftables = try Nftables(in: .named(network.fw))
        let ruleset = FirewallRuleset(policy: policy)
        try FirewallTable(nftables: nftables).apply(ruleset)
        let allow = AllowSets(nftables: nftables, grants: ruleset.nameGrants, minimumTTL: .seconds(30))
        let forwarder = DNSForwarder(configuration: .init(policy.dns), allowSets: allow, thread: nftables.thread)
        try forwarder.start()
        defer { forwarder.stop() }
        #expect(
            try network.query(from: network.fw, server: "127.0.0.53", name: "api.example.test")
                == "rcode=0 addresses=10.98.0.2")

        // The attack runs beside the victim's lookups for 8 seconds.
        let attacker = Process()
        attacker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        attacker.arguments = [
            "ip", "netns", "exec", network.fw, "python3", network.scriptPath("dnsslow.py"), "127.0.0.53", "8",
        ]
        attacker.standardOutput = FileHandle.nullDevice
        try attacker.run()
        defer {
            if attacker.isRunning { kill(attacker.processIdentifier, SIGKILL) }
            attacker.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 2)
        var answers: [String] = []
        for index in 0..<10 {
            answers.append(
                try network.query(from: network.fw, server: "127.0.0.53", name: "api.example.test", tcp: index % 2 == 1)
            )
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect(answers.allSatisfy { $0 == "rcode=0 addresses=10.98.0.2" }, "\(answers)")
        Thread.sleep(forTimeInterval: 4)
        // The stalled queries were answered SERVFAIL at their deadline, not left to hold anything.
        #expect(forwarder.statistics.timedOut + forwarder.statistics.failed > 0)
    }
}
