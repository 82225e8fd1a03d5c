import Audit
import GRPCCore
import SwiftProtobuf

/// What an identified call must fit before its handler runs: its caller's rate budget (`CallBudgets`), checked
/// before the request is read, and every string, bytes and map field of every request message within its limit
/// (`FieldLimits`), checked as the handler reads the message — before it can log or record anything. No handler
/// changes: the request's message stream is wrapped.
struct CallBounds: Sendable {
    let core: DaemonCore
    let recorder: RefusalRecorder
    let budgets: CallBudgets
    let walker = FieldSizeWalker()

    func admit<Input: Sendable>(
        _ request: StreamingServerRequest<Input>, from caller: Caller, method: String
    ) async throws -> StreamingServerRequest<Input> {
        if let refused = budgets.take(identity: caller.identity.uri, method: method, at: core.clock.now()) {
            let (methodClass, budget) = refused
            let key = RefusalTally.Key(kind: .rate, source: caller.auditName, reason: methodClass.rawValue)
            await recorder.refused(key) {
                AuditDraft(
                    eventType: .securityAlert, agent: caller.auditName, action: method, target: methodClass.rawValue,
                    result: .denied, riskLevel: .medium,
                    details: .object([("reason", .string("rate limit exceeded")), ("budget", .string(budget))]))
            }
            throw RPCError(
                code: .resourceExhausted,
                message: "rate limit exceeded for \(caller) (\(methodClass.rawValue) calls: \(budget))")
        }
        let walker = self.walker
        let recorder = self.recorder
        let checked = request.messages.map { @Sendable (message: Input) async throws -> Input in
            guard let protobuf = message as? any SwiftProtobuf.Message, let over = walker.check(protobuf) else {
                return message
            }
            let key = RefusalTally.Key(kind: .oversized, source: caller.auditName, reason: over.field)
            await recorder.refused(key) {
                AuditDraft(
                    eventType: .securityAlert, agent: caller.auditName, action: method, target: over.field,
                    result: .denied, riskLevel: .high,
                    details: .object([
                        ("reason", .string("request field over its limit")), ("message", .string(over.message)),
                        ("bytes", .integer(Int64(over.bytes))), ("limit", .integer(Int64(over.limit))),
                    ]))
            }
            throw RPCError(code: over.exhausts ? .resourceExhausted : .invalidArgument, message: over.description)
        }
        var bounded = request
        bounded.messages = RPCAsyncSequence(wrapping: checked)
        return bounded
    }
}
