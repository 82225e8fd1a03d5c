import Audit
import Capabilities
import Policy
import SecurityTesting
import Testing

@testable import Detection

/// Issue 14, cases 5 and 6 at the rule level: bounded memory per tracker, aggregated alerts, prefix counting.
@Suite struct FloodBoundsTests {
    let clock = ManualClock(.seconds(1_800_000_000))
    let blocker = RecordingBlocker()
    let audit = RecordingAudit()

    func attempt(_ index: Int, port: UInt16 = 23) -> ConnectionAttempt {
        ConnectionAttempt(
            transport: .tcp, source: IPAddress(ipv4: 0x0A00_0000 | UInt32(index)), sourcePort: 40000,
            destination: IPAddress("192.0.2.1")!, destinationPort: port, time: clock.now())
    }

    @Test func aSourceTableHoldsAtMostItsCapacityAndExpiresFromTheOldEnd() {
        var table = SourceTable<Int>(capacity: 100)
        for index in 0..<10_000 { table.put(IPAddress(ipv4: UInt32(index)), index, touched: Int64(index)) }
        #expect(table.count == 100 && table.evicted == 9_900)
        #expect(table[IPAddress(ipv4: 9_999)] == 9_999 && table[IPAddress(ipv4: 0)] == nil)
        // Touching one source over and over leaves stale marks that are compacted, never an unbounded order.
        for touch in 0..<10_000 { table.put(IPAddress(ipv4: 9_999), touch, touched: Int64(20_000 + touch)) }
        table.expire(before: 20_000)
        #expect(table.count == 1 && table[IPAddress(ipv4: 9_999)] == 9_999)
    }

    @Test func everyRuleTracksAtMostThePolicysNumberOfSources() {
        var policy = IDSPolicy.defaults()
        policy.trackedSources = 1_024
        var rules = DetectionRules(policy: policy, classicYear: 2026)
        for index in 0..<50_000 { _ = rules.ingest(attempt(index, port: 22), now: clock.now()) }
        #expect(rules.portScan.trackedSources == 1_024 && rules.portScan.evictedSources == 50_000 - 1_024)
        for index in 0..<50_000 { _ = rules.ingest(attempt(index), now: clock.now()) }
        #expect(rules.unexpectedPorts.trackedSources == 1_024)
    }

    @Test func aSpoofedFloodIsRecordedAsTwentyAlertsAndOneSummaryPerWindow() throws {
        let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: audit.sink, clock: clock)
        for index in 0..<5_000 { ids.ingest(attempt(index)) }
        #expect(audit.entries.count == 20)
        #expect(ids.statistics.alerts == 5_000 && ids.statistics.aggregatedAlerts == 4_980)
        clock.advance(by: .seconds(61))
        ids.expireProbes()
        #expect(audit.entries.count == 21)
        let summary = try #require(audit.entries.last)
        #expect(summary.action == "ids.unexpected_port" && summary.target == "aggregate")
        #expect(summary.details["aggregated"] == .integer(4_980))
        guard case .array(let sample)? = summary.details["sample"] else {
            Issue.record("no sample")
            return
        }
        #expect(sample.count == AlertAggregator.sampleSize)
        // The next window starts afresh.
        ids.ingest(attempt(9_999))
        #expect(audit.entries.count == 22 && audit.entries.last?.target == "10.0.39.15")
    }

    @Test func lostEventsAreAnAlertOfTheirOwnOncePerWindow() throws {
        let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: audit.sink, clock: clock)
        ids.recordDropped(7)
        ids.recordDropped(5)
        ids.recordDropped(3)
        #expect(audit.entries.map(\.action) == ["ids.event_loss"])
        #expect(audit.entries.first?.details["lost"] == .integer(7))
        clock.advance(by: .seconds(61))
        ids.expireProbes()
        #expect(audit.entries.count == 2 && audit.entries.last?.details["lost"] == .integer(8))
        #expect(ids.statistics.droppedEvents == 15)
    }

    @Test func bruteForceRotatingThroughOneIPv6Slash64IsBlockedAsThePrefix() throws {
        let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: audit.sink, clock: clock)
        // 400 failures from 100 addresses of one /64, four each, one a second: no address reaches five.
        for round in 0..<4 {
            for host in 1...100 {
                let line =
                    "\(clock.now().rfc3339) h sshd[\(host)]: Failed password for root from 2001:db8:7:9::\(host) "
                    + "port \(40_000 + round) ssh2"
                ids.ingest(line: line)
                clock.advance(by: .seconds(1))
            }
        }
        let call = try #require(blocker.prefixCalls.first)
        #expect(call.prefix.description == "2001:db8:7:9::/64" && blocker.calls.isEmpty)
        let entry = try #require(audit.entries.first)
        #expect(entry.action == "ids.brute_force" && entry.target == "2001:db8:7:9::/64")
        #expect(blocker.prefixCalls.count == 1, "quiet while the prefix's block lasts")
    }

    @Test func prefixCountingIsPolicy() {
        var policy = IDSPolicy.defaults()
        policy.bruteForcePrefix = BruteForcePrefix(v4: 32, v6: 128)
        let ids = NetworkIDS(policy: policy, blocker: blocker, audit: audit.sink, clock: clock)
        for host in 1...100 {
            ids.ingest(
                line: "\(clock.now().rfc3339) h sshd[1]: Failed password for root from 2001:db8::\(host) port 1 ssh2")
        }
        #expect(blocker.prefixCalls.isEmpty && audit.entries.isEmpty)
    }
}
