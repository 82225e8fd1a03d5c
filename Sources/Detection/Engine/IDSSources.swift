import Foundation
import Synchronization

/// The IDS's event sources running, each on a thread of its own, feeding one ``NetworkIDS``: the daemon's handle
/// on them. ``run()`` suits a ServiceLifecycle `Service`: it returns when its task is cancelled, after the sources
/// have stopped.
public final class IDSSources: Sendable {
    public let ids: NetworkIDS
    private let nflog: NFLogReader?
    private let tail: LogTail?
    private let journal: JournalFollower?
    private let finished = Mutex<[DispatchSemaphore]>([])
    private let failures = Mutex<[DetectionError]>([])

    /// Starts reading at once. `nflog`: an ``NFLogReader`` bound to the group the firewall's log rule sends to;
    /// `tail`: sshd's log file; `journal`: sshd's entries in the systemd journal. Username probes without an end
    /// line are expired on the sources' idle ticks.
    public init(ids: NetworkIDS, nflog: NFLogReader?, tail: LogTail?, journal: JournalFollower? = nil) {
        self.ids = ids
        self.nflog = nflog
        self.tail = tail
        self.journal = journal
        if let nflog {
            let lastLost = Mutex(0)
            start { () throws(DetectionError) in
                try nflog.run({ ids.ingest($0) }) {
                    let lost = nflog.statistics.lost
                    let new = lastLost.withLock { last in
                        defer { last = lost }
                        return lost - last
                    }
                    if new > 0 { ids.recordDropped(new) }
                    ids.expireProbes()
                }
            }
        }
        if let tail {
            start { () throws(DetectionError) in
                try tail.run({ ids.ingestAuthLogLine($0) }, idle: { ids.expireProbes() })
            }
        }
        if let journal {
            start { () throws(DetectionError) in
                try journal.run(
                    { message, pid in message.withUnsafeBufferPointer { ids.ingestSSHDMessage($0, pid: pid) } },
                    idle: { ids.expireProbes() })
            }
        }
    }

    /// Errors that ended a source (a source that fails stops; the others go on).
    public var errors: [DetectionError] { failures.withLock { $0 } }

    /// Stops every source and waits for their threads to end (at most about 250 ms).
    public func stop() {
        nflog?.stop()
        tail?.stop()
        journal?.stop()
        let running = finished.withLock { threads in
            defer { threads.removeAll() }
            return threads
        }
        for semaphore in running { semaphore.wait() }
        ids.flushAlerts()
    }

    /// Runs until the calling task is cancelled, then stops the sources.
    public func run() async {
        // Task.sleep returns at once when the task is cancelled.
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        stop()
    }

    private func start(_ body: @escaping @Sendable () throws(DetectionError) -> Void) {
        let done = DispatchSemaphore(value: 0)
        finished.withLock { $0.append(done) }
        let thread = Thread { [self] in
            defer { done.signal() }
            do throws(DetectionError) {
                try body()
            } catch {
                self.failures.withLock { $0.append(error) }
            }
        }
        thread.name = "aios-ids"
        thread.start()
    }
}
