import Audit
import Foundation
import Synchronization

/// Drafts between the thread that reads the kernel (which must never wait for the ledger, or the kernel's buffer
/// overflows) and the thread that writes them. Bounded: past ``capacity`` a `human_command` is dropped and
/// counted; `human_session` entries are always kept (there are at most as many as sessions).
final class DraftQueue: Sendable {
    let capacity: Int
    private let state = Mutex(State())
    private let signal = DispatchSemaphore(value: 0)

    private struct State {
        var drafts: [AuditDraft] = []
        var dropped = 0
        var closed = false
    }

    init(capacity: Int) { self.capacity = capacity }

    func push(_ drafts: [AuditDraft]) {
        guard !drafts.isEmpty else { return }
        state.withLock { state in
            for draft in drafts {
                if state.drafts.count >= capacity && draft.eventType == .humanCommand {
                    state.dropped += 1
                } else {
                    state.drafts.append(draft)
                }
            }
        }
        signal.signal()
    }

    /// Everything queued and the count dropped since the last call; waits up to `timeout` for something.
    /// Empty and 0 once closed and drained.
    func take(waiting timeout: Duration) -> (drafts: [AuditDraft], dropped: Int, closed: Bool) {
        let empty = state.withLock { $0.drafts.isEmpty && $0.dropped == 0 && !$0.closed }
        if empty { _ = signal.wait(timeout: .now() + .milliseconds(Int(timeout / .milliseconds(1)))) }
        return state.withLock { state in
            defer {
                state.drafts.removeAll(keepingCapacity: true)
                state.dropped = 0
            }
            return (state.drafts, state.dropped, state.closed)
        }
    }

    func close() {
        state.withLock { $0.closed = true }
        signal.signal()
    }
}
