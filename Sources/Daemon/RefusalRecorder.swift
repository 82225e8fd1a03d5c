import Audit
import Capabilities
import ServiceLifecycle

/// Records refusals through a `RefusalTally`: the first of a key in its window in full (awaited, so it is in the
/// ledger before the caller hears the refusal), the rest as one summary when the window closes.
public struct RefusalRecorder: Sendable {
    let core: DaemonCore
    public let tally: RefusalTally

    public init(core: DaemonCore, tally: RefusalTally = RefusalTally()) {
        self.core = core
        self.tally = tally
    }

    /// Counts the refusal; records `first()` when it is the first of its key in the window.
    public func refused(_ key: RefusalTally.Key, first: () -> AuditDraft) async {
        guard tally.count(key, at: core.clock.now()) else { return }
        var draft = first()
        draft.details = draft.details.adding(
            "aggregation",
            .string(
                "the first \(key.kind.rawValue) refusal of this source and reason in \(tally.window); the rest of the "
                    + "window is counted in one summary entry"))
        await core.recordOrReport(draft)
    }

    /// Writes a summary for each window closed by now (every open one with `everything`).
    public func flush(everything: Bool = false) async {
        for summary in tally.close(at: core.clock.now(), everything: everything) {
            await core.recordOrReport(Self.draft(summary))
        }
    }

    static func draft(_ summary: RefusalTally.Summary) -> AuditDraft {
        let key = summary.key
        let unauthenticated = key.kind == .authentication || key.kind == .connection
        let eventType: AuditEventType =
            switch key.kind {
            case .authentication: .authentication
            case .connection: .networkConnection
            case .oversized, .rate: .securityAlert
            }
        return AuditDraft(
            eventType: eventType, agent: unauthenticated ? "unauthenticated" : key.source,
            action: "\(key.kind.rawValue).refusals", target: unauthenticated ? key.source : key.reason, result: .denied,
            riskLevel: key.kind == .rate ? .medium : .high,
            details: .object([
                ("reason", .string(key.reason)), ("refusals", .integer(Int64(summary.refusals))),
                ("window_start", .string(summary.from.rfc3339)), ("window_end", .string(summary.until.rfc3339)),
                ("recorded_individually", .integer(1)),
            ]))
    }
}

/// Closes the refusal windows every second and writes their summaries; on graceful shutdown closes every open
/// window, so no count is lost.
public struct RefusalSummaries: Service {
    let recorder: RefusalRecorder

    public init(recorder: RefusalRecorder) { self.recorder = recorder }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await recorder.flush()
            await pause(.seconds(1))
        }
        await recorder.flush(everything: true)
    }
}

extension JSONValue {
    /// This object with one more member (a non-object is returned as it is).
    func adding(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(let members) = self else { return self }
        return .object(members + [(key, value)])
    }
}
