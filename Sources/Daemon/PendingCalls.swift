import Capabilities
import Foundation
import Synchronization

/// High-risk calls waiting for the orchestrator. The caller's RPC waits; `Confirm` approves or denies; with no
/// answer within the timeout the call is denied.
public final class PendingCalls: Sendable {
    public struct Call: Sendable {
        public let id: String
        public let agent: String
        public let tool: String
        public let arguments: [String: String]
        public let capability: String
        public let risk: RiskLevel
        public let reason: String
        public let requestedAt: Timestamp
        public let expiresAt: Timestamp
    }

    public enum Outcome: Sendable, Equatable {
        case approved(by: String)
        case denied(by: String, reason: String)
        case timedOut
    }

    private struct Waiting {
        let call: Call
        let continuation: CheckedContinuation<Outcome, Never>
    }

    public let timeout: Duration
    private let waiting = Mutex<[String: Waiting]>([:])

    public init(timeout: Duration) { self.timeout = timeout }

    public var calls: [Call] { waiting.withLock { $0.values.map(\.call).sorted { $0.requestedAt < $1.requestedAt } } }

    /// Parks the call until it is confirmed, denied or times out.
    public func wait(
        agent: String, tool: String, arguments: [String: String], capability: String, risk: RiskLevel, reason: String,
        now: Timestamp
    ) async -> (Call, Outcome) {
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let call = Call(
            id: "pending-" + UUID().uuidString.prefix(8).lowercased(), agent: agent, tool: tool, arguments: arguments,
            capability: capability, risk: risk, reason: reason, requestedAt: now,
            expiresAt: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + milliseconds))
        let timeout = self.timeout
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            waiting.withLock { $0[call.id] = Waiting(call: call, continuation: continuation) }
            Task {
                try? await Task.sleep(for: timeout)
                self.finish(call.id, .timedOut)
            }
        }
        return (call, outcome)
    }

    /// Resolves a waiting call; false when there is none with that id (unknown, or already resolved).
    @discardableResult
    public func finish(_ id: String, _ outcome: Outcome) -> Bool {
        guard let entry = waiting.withLock({ $0.removeValue(forKey: id) }) else { return false }
        entry.continuation.resume(returning: outcome)
        return true
    }
}
