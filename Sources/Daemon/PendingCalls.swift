import Capabilities
import Foundation
import Synchronization

/// High-risk calls waiting for the orchestrator. The caller's RPC waits; `Confirm` approves or denies; with no
/// answer within the timeout the call is denied; a caller that goes away (deadline, disconnect) takes its call
/// with it. Each agent may have a bounded number of calls waiting.
public final class PendingCalls: Sendable {
    public struct Call: Sendable {
        public let id: String
        public let agent: String
        public let tool: String
        public let arguments: [String: String]
        public let capability: String
        public let risk: RiskLevel
        /// The agent's own reason for the call (its words, not checked).
        public let reason: String
        /// Why the Gate asks for a confirmation.
        public let explanation: String
        /// A package call's provenance report (JSON), what the orchestrator decides on; empty for other calls.
        public let report: String
        public let requestedAt: Timestamp
        public let expiresAt: Timestamp
    }

    public enum Outcome: Sendable, Equatable {
        case approved(by: String)
        case denied(by: String, reason: String)
        case timedOut
        /// The caller's RPC ended first (its deadline passed, or it disconnected).
        case cancelled
    }

    private struct Waiting {
        let call: Call
        var continuation: CheckedContinuation<Outcome, Never>?
        /// An answer that came before the caller started waiting.
        var early: Outcome?
    }

    public let timeout: Duration
    public let maximumPerAgent: Int
    private let waiting = Mutex<[String: Waiting]>([:])

    public init(timeout: Duration, maximumPerAgent: Int = 8) {
        self.timeout = timeout
        self.maximumPerAgent = maximumPerAgent
    }

    public var calls: [Call] { waiting.withLock { $0.values.map(\.call).sorted { $0.requestedAt < $1.requestedAt } } }

    /// Registers a call as waiting; nil when its agent already has `maximumPerAgent` waiting.
    public func park(
        agent: String, tool: String, arguments: [String: String], capability: String, risk: RiskLevel, reason: String,
        explanation: String, report: String = "", now: Timestamp
    ) -> Call? {
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let call = Call(
            id: "pending-" + UUID().uuidString.prefix(8).lowercased(), agent: agent, tool: tool, arguments: arguments,
            capability: capability, risk: risk, reason: reason, explanation: explanation, report: report,
            requestedAt: now,
            expiresAt: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + milliseconds))
        return waiting.withLock { waiting in
            guard waiting.values.filter({ $0.call.agent == agent }).count < maximumPerAgent else { return nil }
            waiting[call.id] = Waiting(call: call)
            return call
        }
    }

    /// Waits for the call's answer, the timeout, or the cancellation of the waiting task.
    public func outcome(of call: Call) async -> Outcome {
        let timeout = self.timeout
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.finish(call.id, .timedOut)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let early = waiting.withLock { waiting -> Outcome? in
                    guard var entry = waiting[call.id] else { return .cancelled }
                    if let early = entry.early {
                        waiting[call.id] = nil
                        return early
                    }
                    entry.continuation = continuation
                    waiting[call.id] = entry
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
        } onCancel: {
            self.finish(call.id, .cancelled)
        }
    }

    /// Denies every waiting call (the emergency stop); returns how many there were.
    public func denyAll(by: String, reason: String) -> Int {
        let ids = waiting.withLock { Array($0.keys) }
        return ids.filter { finish($0, .denied(by: by, reason: reason)) }.count
    }

    /// Resolves a waiting call; false when there is none with that id (unknown, or already resolved).
    @discardableResult
    public func finish(_ id: String, _ outcome: Outcome) -> Bool {
        let continuation = waiting.withLock { waiting -> CheckedContinuation<Outcome, Never>?? in
            guard var entry = waiting[id], entry.early == nil else { return nil }
            guard let continuation = entry.continuation else {
                entry.early = outcome
                waiting[id] = entry
                return .some(nil)
            }
            waiting[id] = nil
            return .some(continuation)
        }
        guard let continuation else { return false }
        continuation?.resume(returning: outcome)
        return true
    }
}
