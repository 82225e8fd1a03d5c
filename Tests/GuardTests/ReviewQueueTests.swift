import Audit
import Capabilities
import Foundation
import Guard
import Testing

@Suite("The review queue: what humans must look at, kept across restarts, acknowledged once")
struct ReviewQueueTests {
    let path = FileManager.default.temporaryDirectory.path + "/reviews-\(UUID().uuidString).sqlite"

    @Test("items come back newest first, linked to their entries, and survive reopening")
    func addListReopen() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try ReviewQueue(path: path)
        let first = try queue.add(
            ReviewDraft(kind: .escalation, summary: "port scan", entryIDs: ["audit-1"]), at: .seconds(100))
        try queue.add(
            ReviewDraft(
                kind: .action, summary: "blocked 10.0.0.9", entryIDs: ["audit-2", "audit-3"],
                details: .object([("score", .number(0.93))])), at: .seconds(200))
        let reopened = try ReviewQueue(path: path)
        let (items, open) = try reopened.list(all: false, limit: 10)
        #expect(open == 2)
        #expect(items.map(\.summary) == ["blocked 10.0.0.9", "port scan"])
        #expect(items[0].entryIDs == ["audit-2", "audit-3"])
        #expect(items[0].details["score"] == .number(0.93))
        #expect(try reopened.item(id: first.id)?.kind == .escalation)
        var mode = stat()
        #expect(stat(path, &mode) == 0 && mode.st_mode & 0o077 == 0, "the queue file is private to its owner")
    }

    @Test("an item is acknowledged once, with who and a note; a second acknowledgement is refused")
    func acknowledgeOnce() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try ReviewQueue(path: path)
        let item = try queue.add(
            ReviewDraft(kind: .suggestion, summary: "stop everything?", entryIDs: []), at: .seconds(1))
        let done = try queue.acknowledge(id: item.id, by: "operator:alice", note: "looked, benign", at: .seconds(5))
        #expect(done.state == .acknowledged && done.acknowledgedBy == "operator:alice")
        #expect(throws: GuardError.self) {
            try queue.acknowledge(id: item.id, by: "operator:bob", note: "", at: .seconds(6))
        }
        #expect(try queue.item(id: item.id)?.acknowledgedBy == "operator:alice", "the first acknowledgement stands")
        #expect(try queue.list(all: false, limit: 10).open == 0)
        #expect(try queue.list(all: true, limit: 10).items.count == 1)
        #expect(throws: GuardError.self) {
            try queue.acknowledge(id: "review-none", by: "operator:alice", note: "", at: .seconds(6))
        }
        let tooLong = try queue.add(ReviewDraft(kind: .model, summary: "x", entryIDs: []), at: .seconds(7))
        #expect(throws: GuardError.self) {
            try queue.acknowledge(
                id: tooLong.id, by: "operator:alice", note: String(repeating: "n", count: 5_000), at: .seconds(8))
        }
    }

    @Test("a summary is cut to its bound at a character boundary")
    func summaryBound() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try ReviewQueue(path: path)
        let item = try queue.add(
            ReviewDraft(kind: .escalation, summary: String(repeating: "é", count: 2_000), entryIDs: []),
            at: .seconds(1))
        #expect(item.summary.utf8.count <= ReviewItem.maximumSummaryBytes)
        #expect(item.summary.allSatisfy { $0 == "é" })
    }
}
