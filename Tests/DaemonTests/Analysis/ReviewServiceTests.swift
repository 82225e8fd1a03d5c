import Audit
import Capabilities
import Foundation
import GRPCCore
import Guard
import PKI
import Policy
import SecurityTesting
import Testing

@testable import Daemon

/// The review queue as the API serves it: who reads, who acknowledges, and what lands in it on its own.
@Suite("Review queue API: readers, operators-only acknowledgement, orchestrator approvals put before a person")
final class ReviewServiceTests {
    let bench: AnalysisBench
    var reviews: ReviewQueue { bench.reviews }
    var service: SecurityService { bench.service }

    init() throws {
        bench = try AnalysisBench(
            policy: try SecurityPolicy.parse(
                yaml: """
                    worker-a:
                      capabilities: ["fs:delete:/tmp/job/*"]
                    """, file: "reviews-test.yaml"))
    }

    static func caller(_ kind: SPIFFEID.Kind, _ name: String) throws -> Caller { try AnalysisBench.caller(kind, name) }

    @Test("the orchestrator reads but may not acknowledge; an agent without monitor:read:reviews may not read")
    func whoMay() async throws {
        let item = try reviews.add(ReviewDraft(kind: .escalation, summary: "scan", entryIDs: []), at: bench.clock.now())
        let orchestrator = try Self.caller(.service, "orchestrator")
        #expect(try service.reviews(caller: orchestrator, all: false, limit: 10).items.map(\.id) == [item.id])
        await #expect(throws: RPCError.self) {
            try await self.service.acknowledgeReview(caller: orchestrator, id: item.id, note: "fine")
        }
        #expect(throws: RPCError.self) {
            try self.service.reviews(caller: try Self.caller(.agent, "worker-a"), all: false, limit: 10)
        }
        let alice = try Self.caller(.operator, "alice")
        let done = try await service.acknowledgeReview(caller: alice, id: item.id, note: "fine")
        #expect(done.acknowledgedBy == "operator:alice")
    }

    @Test("a high-risk call the orchestrator approves becomes a review item; an operator's approval does not")
    func orchestratorApprovalsReviewed() async throws {
        for approver in ["orchestrator", "alice"] {
            let caller = try Self.caller(.agent, "worker-a")
            let call = ToolCall(
                tool: "fs.delete", arguments: ["path": "/tmp/job/\(approver)"], capability: nil, reason: "cleanup",
                taskID: nil)
            let service = self.service
            let running = Task { try await service.execute(call, as: caller) }
            let pending = try #require(try await bench.parkedCall())
            let who =
                approver == "orchestrator"
                ? try Self.caller(.service, "orchestrator") : try Self.caller(.operator, "alice")
            _ = try await service.confirm(caller: who, pendingID: pending.id, approve: true, reason: "")
            _ = try? await running.value
        }
        let items = try reviews.list(all: true, limit: 10).items
        #expect(items.count == 1, "only the orchestrator's approval: \(items.map(\.summary))")
        #expect(items.first?.kind == .decision)
        #expect(items.first?.summary.contains("fs.delete") == true)
        #expect(items.first?.entryIDs.count == 1)
    }
}
