import Audit
import Capabilities
import Policy
import SecurityTesting
import Testing

@testable import Detection

@Suite struct BruteForceRuleTests {
    let clock = ManualClock(.seconds(1_800_000_000))
    let blocker = RecordingBlocker()
    let audit = RecordingAudit()

    func engine(_ policy: IDSPolicy = .defaults(management: [try! IPPrefix(parsing: "10.99.0.0/24")])) -> NetworkIDS {
        NetworkIDS(policy: policy, blocker: blocker, audit: audit.sink, clock: clock)
    }

    func fail(_ ids: NetworkIDS, from source: String, port: Int = 1000) {
        ids.ingest(line: "Failed password for root from \(source) port \(port) ssh2")
    }

    @Test func fiveFailuresWithinTenMinutesBlockForTenMinutes() throws {
        let ids = engine()
        for attempt in 0..<5 {
            #expect(blocker.calls.isEmpty)
            fail(ids, from: "192.0.2.10", port: 2000 + attempt)
            clock.advance(by: .seconds(150))
        }
        let call = try #require(blocker.calls.first)
        #expect(blocker.calls.count == 1)
        #expect(call.source == IPAddress("192.0.2.10") && call.duration == .seconds(600))
        #expect(call.alert.rule == .bruteForce && call.alert.evidence.count == 5)
        let entry = try #require(audit.entries.first)
        #expect(entry.eventType == .securityAlert && entry.result == .success && entry.target == "192.0.2.10")
        #expect(entry.details["rule"]?.stringValue == "brute_force")
    }

    @Test func theWindowIsInclusiveAndExact() {
        let ids = engine()
        for _ in 0..<4 {
            fail(ids, from: "192.0.2.11")
            clock.advance(by: .seconds(150))
        }
        fail(ids, from: "192.0.2.11")  // 600 s after the first: inclusive
        #expect(blocker.blocked == [IPAddress("192.0.2.11")!])
        for _ in 0..<4 {
            fail(ids, from: "192.0.2.12")
            clock.advance(by: .seconds(150))
        }
        clock.advance(by: .seconds(1))
        fail(ids, from: "192.0.2.12")  // 601 s after the first
        #expect(blocker.blocked == [IPAddress("192.0.2.11")!])
    }

    @Test func fourFailuresAndAGapNeverBlock() {
        let ids = engine()
        for _ in 0..<5 {
            for _ in 0..<4 {
                fail(ids, from: "192.0.2.13")
                clock.advance(by: .seconds(30))
            }
            clock.advance(by: .seconds(11 * 60))
        }
        #expect(blocker.calls.isEmpty && audit.entries.isEmpty)
    }

    @Test func sourcesAreCountedApart() {
        let ids = engine()
        for index in 0..<24 { fail(ids, from: "192.0.2.\(20 + index % 5)") }
        #expect(Set(blocker.blocked) == Set((20...23).map { IPAddress("192.0.2.\($0)")! }))
        #expect(blocker.calls.count == 4)
    }

    @Test func allowListedSourcesAreAlertedNeverBlocked() throws {
        let ids = engine()
        for _ in 0..<5 { fail(ids, from: "10.99.0.7") }
        for _ in 0..<5 { fail(ids, from: "::1") }
        #expect(blocker.calls.isEmpty)
        #expect(audit.entries.count == 2)
        let entry = try #require(audit.entries.first)
        #expect(entry.details["response"]?.stringValue == "alert" && entry.riskLevel == .medium)
    }

    @Test func aFailedBlockIsAuditedAsAFailure() throws {
        let ids = engine()
        blocker.fail(true)
        for _ in 0..<5 { fail(ids, from: "192.0.2.30") }
        let entry = try #require(audit.entries.first)
        #expect(entry.result == .failure && entry.details["error"]?.stringValue == "blocklist unavailable")
        #expect(ids.statistics.blockFailures == 1)
    }

    @Test func aBlockedSourceIsNotCountedAgainUntilTheBlockEnds() {
        let ids = engine()
        for _ in 0..<10 { fail(ids, from: "192.0.2.31") }
        #expect(blocker.calls.count == 1)
        clock.advance(by: .seconds(601))
        for _ in 0..<5 { fail(ids, from: "192.0.2.31") }
        #expect(blocker.calls.count == 2)
    }

    @Test func theProductsOwnAuthenticationFailuresAreCounted() throws {
        let ids = engine()
        for index in 0..<5 {
            ids.recordAuthenticationFailure(
                from: IPAddress("2001:db8::5")!, channel: "mtls", detail: "certificate without an identity #\(index)")
        }
        let call = try #require(blocker.calls.first)
        #expect(call.alert.rule == .authenticationFailures && call.source == IPAddress("2001:db8::5"))
        #expect(call.alert.evidence.first?.contains("mtls: certificate without an identity #0") == true)
    }

    @Test func usernameProbesCountWhenTheirConnectionEndsOrExpires() {
        let ids = engine()
        for port in 0..<4 {
            ids.ingest(line: "Invalid user a\(port) from 192.0.2.40 port \(port + 1)")
            ids.ingest(line: "Connection closed by invalid user a\(port) 192.0.2.40 port \(port + 1) [preauth]")
        }
        ids.ingest(line: "Invalid user z from 192.0.2.40 port 99")
        #expect(blocker.calls.isEmpty)
        clock.advance(by: .seconds(301))
        ids.expireProbes()
        #expect(blocker.blocked == [IPAddress("192.0.2.40")!])
    }
}

@Suite struct ScanRuleTests {
    let clock = ManualClock(.seconds(1_800_000_000))
    let blocker = RecordingBlocker()
    let audit = RecordingAudit()

    func attempt(_ source: String, _ port: UInt16, to destination: String = "192.0.2.1") -> ConnectionAttempt {
        ConnectionAttempt(
            transport: .tcp, source: IPAddress(source)!, sourcePort: 40000, destination: IPAddress(destination)!,
            destinationPort: port, time: clock.now())
    }

    @Test func tenDistinctPortsInAMinuteIsAScan() throws {
        let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: audit.sink, clock: clock)
        for port in UInt16(1)...9 { ids.ingest(attempt("198.51.100.7", port)) }
        #expect(blocker.calls.isEmpty)
        ids.ingest(attempt("198.51.100.7", 10))
        let call = try #require(blocker.calls.first)
        // The scan rule's hour is cut to the policy's short block: bare SYNs can be forged.
        #expect(call.alert.rule == .portScan && call.alert.ports == Array(1...10) && call.duration == .seconds(600))
        for port in UInt16(11)...500 { ids.ingest(attempt("198.51.100.7", port)) }
        #expect(blocker.calls.count == 1)
    }

    @Test func slowScansOutsideTheWindowAndOnePortAreNotScans() {
        let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: audit.sink, clock: clock)
        for port in UInt16(1)...30 {
            ids.ingest(attempt("198.51.100.8", port))
            clock.advance(by: .seconds(7))
        }
        for _ in 0..<30 { ids.ingest(attempt("198.51.100.9", 22)) }
        #expect(blocker.calls.isEmpty)
    }

    @Test func manyAddressesIsASweep() throws {
        let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: audit.sink, clock: clock)
        for host in 1...10 { ids.ingest(attempt("198.51.100.10", 22, to: "192.0.2.\(host)")) }
        #expect(try #require(blocker.calls.first).alert.summary.contains("addresses"))
    }

    @Test func unexpectedPortsAreAlertedOncePerWindowAndFollowTheFirewall() throws {
        let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: audit.sink, clock: clock)
        ids.ingest(attempt("198.51.100.11", 22))
        #expect(audit.entries.isEmpty)
        ids.ingest(attempt("198.51.100.11", 23))
        ids.ingest(attempt("198.51.100.11", 24))
        #expect(audit.entries.count == 1 && blocker.calls.isEmpty)
        #expect(try #require(audit.entries.first).action == "ids.unexpected_port")
        ids.setOpenPorts([22, 80])
        clock.advance(by: .seconds(61))
        ids.ingest(attempt("198.51.100.11", 80))
        #expect(audit.entries.count == 1)
    }
}
