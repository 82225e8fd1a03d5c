import Audit
import Capabilities
import Policy
import Synchronization

@testable import Detection

/// Records every block it is asked for; throws when told to.
final class RecordingBlocker: Blocker {
    struct Call: Sendable {
        let source: IPAddress
        let duration: Duration
        let alert: IntrusionAlert
    }

    struct PrefixCall: Sendable {
        let prefix: IPPrefix
        let duration: Duration
    }

    private let state = Mutex<(calls: [Call], prefixCalls: [PrefixCall], failing: Bool)>(([], [], false))

    var calls: [Call] { state.withLock { $0.calls } }
    var prefixCalls: [PrefixCall] { state.withLock { $0.prefixCalls } }
    var blocked: [IPAddress] { calls.map(\.source) }

    func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        try state.withLock { state in
            if state.failing { throw TestFailure("blocklist unavailable") }
            state.calls.append(Call(source: source, duration: duration, alert: evidence))
        }
    }

    func block(prefix: IPPrefix, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        try state.withLock { state in
            if state.failing { throw TestFailure("blocklist unavailable") }
            state.prefixCalls.append(PrefixCall(prefix: prefix, duration: duration))
        }
    }
}

/// The ledger in memory.
final class RecordingAudit: Sendable {
    private let drafts = Mutex<[AuditDraft]>([])

    var entries: [AuditDraft] { drafts.withLock { $0 } }

    var sink: AuditSink { { draft in self.drafts.withLock { $0.append(draft) } } }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension NetworkIDS {
    /// Feeds one line as a tail would.
    func ingest(line: String) {
        var copy = line
        copy.withUTF8 { ingestAuthLogLine($0) }
    }
}
