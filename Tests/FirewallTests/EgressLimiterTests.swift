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
}
