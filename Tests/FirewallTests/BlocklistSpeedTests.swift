import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Firewall

/// Issue 7's figures, checked on medians (one add ≤ 0.5 ms in-process, a 10,000-element replace ≤ 100 ms) in a
/// fresh namespace of a thread of its own; `aios-sec bench firewall` prints the full table.
@Suite(.serialized) struct BlocklistSpeedTests {
    @Test func oneAddAndAWholeReplaceAreWithinTheirBudgets() throws {
        guard requireRoot("a network namespace and nftables") else { return }
        let nftables = try Nftables(in: .fresh)
        var policy = FirewallPolicy.default
        policy.management = [try IPPrefix(parsing: "10.99.0.0/24")]
        try FirewallTable(nftables: nftables).apply(FirewallRuleset(policy: policy))
        let blocklist = Blocklist(nftables: nftables)
        var adds: [Duration] = []
        for index in 0..<500 {
            let start = ContinuousClock.now
            try blocklist.block(IPAddress(ipv4: 0x0A00_0000 | UInt32(index)), for: .seconds(60), reason: "speed")
            adds.append(ContinuousClock.now - start)
        }
        let entries = (0..<10_000).map {
            BlockEntry(address: IPAddress(ipv4: 0x0B00_0000 | UInt32($0)), remaining: .seconds(3600), reason: nil)
        }
        var replaces: [Duration] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            try blocklist.replace(with: entries)
            replaces.append(ContinuousClock.now - start)
        }
        let add = adds.sorted()[adds.count / 2]
        let replace = replaces.sorted()[replaces.count / 2]
        print("blocklist: one add median \(add), 10k replace median \(replace)")
        #expect(add <= .microseconds(500))
        #expect(replace <= .milliseconds(100))
        #expect(try blocklist.list().count == 10_000)
    }
}
