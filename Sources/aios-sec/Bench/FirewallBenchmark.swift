import Firewall
import Foundation
import Policy

/// Issue 7's figures "adding one address to the blocklist ≤ 0.5 ms in-process; replacing a 10,000-element set
/// atomically ≤ 100 ms", measured in a fresh network namespace of a thread of its own (the host's firewall is never
/// touched; the namespace vanishes with the thread). Also: a DNS-learnt allow element, a full apply carrying
/// 10,000 blocks over, and a one-element block through `nft` for scale. Needs root. Returns a Markdown table.
func benchmarkFirewall(adds: Int = 2_000, replaces: Int = 10) throws -> String {
    let nftables = try Nftables(in: .fresh)
    var policy = FirewallPolicy.default
    policy.management = [try IPPrefix(parsing: "10.99.0.0/24")]
    let ruleset = FirewallRuleset(policy: policy)
    let table = FirewallTable(nftables: nftables)
    try table.apply(ruleset)
    let blocklist = Blocklist(nftables: nftables)
    func address(_ index: Int) -> IPAddress { IPAddress(ipv4: 0x0A00_0000 | UInt32(index)) }

    var addTimes: [Duration] = []
    for index in 0..<adds {
        let start = ContinuousClock.now
        try blocklist.block(address(index), for: .seconds(3600), reason: "bench")
        addTimes.append(ContinuousClock.now - start)
    }
    let allow = AllowSets(nftables: nftables, grants: ruleset.nameGrants, minimumTTL: .seconds(300))
    var learnTimes: [Duration] = []
    for index in 0..<adds {
        let start = ContinuousClock.now
        try allow.learn(name: "api.openai.com", addresses: [(address(50_000 + index), 60)])
        learnTimes.append(ContinuousClock.now - start)
    }
    let entries = (0..<10_000).map {
        BlockEntry(address: address(100_000 + $0), remaining: .seconds(3600), reason: "bench")
    }
    var replaceTimes: [Duration] = []
    for _ in 0..<replaces {
        let start = ContinuousClock.now
        try blocklist.replace(with: entries)
        replaceTimes.append(ContinuousClock.now - start)
    }
    let applyStart = ContinuousClock.now
    let carried = try table.apply(ruleset)
    let applyTime = ContinuousClock.now - applyStart
    guard try blocklist.list().count == 10_000 else { throw FirewallBenchmarkError("the blocklist lost elements") }

    func stats(_ values: [Duration], unit: Duration) -> String {
        let sorted = values.sorted()
        let format = unit == .microseconds(1) ? "%.0f" : "%.1f"
        let median = String(format: format, sorted[sorted.count / 2] / unit)
        let p99 = String(format: format, sorted[min(sorted.count - 1, sorted.count * 99 / 100)] / unit)
        return "\(median) | \(p99) | \(String(format: format, sorted.last! / unit))"
    }
    return """
        | operation (libnftables in-process, fresh netns) | runs | median | p99 | max | target |
        |---|---:|---:|---:|---:|---|
        | `Blocklist.block` one address (add + delete + add, timeout, comment), µs | \(adds) | \
        \(stats(addTimes, unit: .microseconds(1))) | ≤ 500 µs |
        | `AllowSets.learn` one DNS answer → one element, µs | \(adds) | \(stats(learnTimes, unit: .microseconds(1))) | — |
        | `Blocklist.replace` 10,000 addresses (flush + add, one transaction), ms | \(replaces) | \
        \(stats(replaceTimes, unit: .milliseconds(1))) | ≤ 100 ms |
        | `FirewallTable.apply` whole table carrying \(carried) live elements, ms | 1 | \
        \(String(format: "%.1f", applyTime / .milliseconds(1))) | — | — | — |
        """
}

struct FirewallBenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
