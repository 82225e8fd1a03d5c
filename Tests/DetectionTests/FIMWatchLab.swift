import Audit
import Foundation
import Synchronization

@testable import Detection

/// A watcher on a ``FIMLab`` tree that collects what it records and observes, and waits for it.
final class FIMWatchLab: Sendable {
    let drafts = Collected()
    let observations = Collected()
    let watcher: FIMWatcher

    final class Collected: Sendable {
        let all = Mutex<[AuditDraft]>([])
        func withLock<T>(_ body: (inout [AuditDraft]) -> T) -> T { all.withLock { body(&$0) } }
    }

    var recorded: Collected { drafts }
    var observed: Collected { observations }

    init(
        _ lab: FIMLab, configure: (inout FIMWatcher.Configuration) -> Void = { _ in },
        authorized: AuthorizedChanges? = nil
    )
        throws
    {
        var configuration = FIMWatcher.Configuration()
        configuration.workers = 2
        configure(&configuration)
        let recorded = drafts
        let observed = observations
        watcher = FIMWatcher(
            baselinePath: lab.baselinePath, key: BaselineKey(vault: lab.vault), configuration: configuration,
            authorized: authorized, record: { drafts in recorded.withLock { $0 += drafts } },
            observe: { event in observed.withLock { $0.append(event.entry.draft) } })
        try watcher.start()
    }

    deinit { watcher.stop() }

    /// The alerts recorded so far for `path`.
    func alerts(_ path: String) -> [AuditDraft] {
        recorded.withLock { $0.filter { $0.eventType == .securityAlert && $0.target == path } }
    }

    /// Waits (polling; the bound only keeps a broken watch from hanging the suite, latency is measured by
    /// `bench fim --watch`) until `condition` holds; returns whether it did.
    func wait(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition()
    }

    /// Waits for the start's full check to be done (a change made before it would be seen by it instead).
    func ready() -> Bool { wait { watcher.statistics.fullChecks >= 1 && watcher.queue.isEmpty } }
}

extension AuditDraft {
    func detail(_ key: String) -> JSONValue? {
        guard case .object(let members) = details else { return nil }
        return members.first { $0.key == key }?.value
    }

    var differenceNames: [String] {
        guard case .array(let items)? = detail("differences") else { return [] }
        return items.compactMap {
            guard case .object(let members) = $0 else { return nil }
            return members.first { $0.key == "attribute" }?.value.stringValue
        }
    }
}
