import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Firewall

/// Adds and whole replacements of the blocklist, in a fresh namespace of a thread of its own. How fast they are is a
/// benchmark figure (`aios-sec bench firewall`), not a test: a shared machine makes timed tests fail for no reason.
@Suite(.serialized) struct BlocklistTests {
    @Test(
        "500 single adds and a 10,000-element replacement land in the kernel set",
        .requiresRoot("a network namespace and nftables"))
    func addsAndWholeReplacement() throws {
        let nftables = try Nftables(in: .fresh)
        var policy = FirewallPolicy.default
        policy.management = [try IPPrefix(parsing: "10.99.0.0/24")]
        try FirewallTable(nftables: nftables).apply(FirewallRuleset(policy: policy))
        let blocklist = Blocklist(nftables: nftables)
        for index in 0..<500 {
            try blocklist.block(IPAddress(ipv4: 0x0A00_0000 | UInt32(index)), for: .seconds(60), reason: "test")
        }
        #expect(try blocklist.list().count == 500)
        let entries = (0..<10_000).map {
            BlockEntry(address: IPAddress(ipv4: 0x0B00_0000 | UInt32($0)), remaining: .seconds(3600), reason: nil)
        }
        try blocklist.replace(with: entries)
        let listed = try blocklist.list()
        #expect(listed.count == 10_000, "the replacement removed the 500 earlier blocks")
    }
}
