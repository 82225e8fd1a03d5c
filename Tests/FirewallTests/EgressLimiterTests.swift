import NIOCore
import Testing

@testable import Firewall

/// Each agent's bounds on the proxy: connections open at once, and new ones in the last minute.
@Suite struct EgressLimiterTests {
    @Test func openConnectionsAreBoundedAndFreedWhenTheyEnd() {
        let limiter = EgressLimiter(limits: .init(openConnections: 2, connectionsPerMinute: 100))
        #expect(limiter.acquire("a") == nil && limiter.acquire("a") == nil)
        #expect(limiter.acquire("a") == .overLimit("2 connections open"))
        #expect(limiter.acquire("b") == nil, "another agent has its own bounds")
        limiter.release("a")
        #expect(limiter.acquire("a") == nil)
    }

    @Test func newConnectionsAMinuteAreBoundedOverASlidingWindow() {
        let limiter = EgressLimiter(limits: .init(openConnections: 100, connectionsPerMinute: 3))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
        for second in 0..<3 {
            #expect(limiter.acquire("a", now: start + .seconds(Int64(second))) == nil)
            limiter.release("a")
        }
        #expect(limiter.acquire("a", now: start + .seconds(30)) == .overLimit("3 connections in the last minute"))
        #expect(limiter.acquire("a", now: start + .seconds(61)) == nil, "the first start has left the window")
    }

    @Test func connectionsOpenOverAllAgentsAreBounded() {
        let limiter = EgressLimiter(limits: .init(openConnections: 10, openTotal: 2))
        #expect(limiter.acquire("a") == nil && limiter.acquire("b") == nil)
        #expect(limiter.acquire("c") == .overLimit("2 connections open over all agents"))
        limiter.release("b")
        #expect(limiter.acquire("c") == nil)
    }

    @Test func bytesSentInAnHourAreBoundedOverASlidingWindowOfMinutes() {
        let limiter = EgressLimiter(limits: .init(uploadPerHour: 1_000))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
        #expect(limiter.acquire("a", now: start) == nil)
        #expect(limiter.sent(600, by: "a", now: start) == nil)
        #expect(limiter.sent(400, by: "a", now: start + .minutes(30)) == nil, "exactly the bound is allowed")
        #expect(limiter.sent(1, by: "a", now: start + .minutes(31)) == .overLimit("1000 bytes sent in the last hour"))
        #expect(limiter.acquire("a", now: start + .minutes(40)) == .overLimit("1000 bytes sent in the last hour"))
        #expect(limiter.acquire("b", now: start + .minutes(40)) == nil, "another agent has its own bound")
        // Bytes an agent sends back on inbound connections (whose slots the ingress keeps) count too.
        #expect(limiter.sent(2_000, by: "c", now: start) == .overLimit("1000 bytes sent in the last hour"))
        // The first 600 bytes leave the window an hour later.
        #expect(limiter.acquire("a", now: start + .minutes(61)) == nil)
    }
}
