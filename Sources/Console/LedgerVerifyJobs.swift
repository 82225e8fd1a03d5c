import Audit
import Foundation
import GRPCCore
import Synchronization

/// Ledger verifications started from the console. One runs at a time, on its own thread (never the request
/// threads): a second request while one runs is shown the running one, so pressing the button repeatedly cannot
/// stack up whole-ledger reads. Only the newest job is kept.
public final class LedgerVerifyJobs: Sendable {
    public struct Job: Sendable {
        public let id: String
        public let by: String
        /// Entries in the ledger when the job started (what progress is measured against).
        public let total: Int
        let progress: VerificationProgress
        public fileprivate(set) var report: VerificationReport?
        public fileprivate(set) var error: String?
        /// Why the outcome is not in the ledger, when recording it failed.
        public fileprivate(set) var unrecorded: String?

        public var checked: Int { report?.entries ?? min(progress.entriesChecked, total) }
        public var finished: Bool { report != nil || error != nil }
    }

    private let current = Mutex<Job?>(nil)

    public init() {}

    public func job(id: String) -> Job? {
        current.withLock { job in job?.id == id ? job : nil }
    }

    /// Starts `work` as a new job unless one is running; returns the job to follow and whether it is new.
    func start(
        by name: String, total: Int,
        work: @escaping @Sendable (VerificationProgress) -> Result<VerificationReport, any Error>,
        finished: @escaping @Sendable (Job) -> Void
    ) -> (job: Job, started: Bool) {
        let started: (Job, Bool) = current.withLock { job in
            if let running = job, !running.finished { return (running, false) }
            let new = Job(
                id: (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined(), by: name,
                total: total, progress: VerificationProgress())
            job = new
            return (new, true)
        }
        guard started.1 else { return started }
        let id = started.0.id
        let progress = started.0.progress
        Thread { [self] in
            let outcome = work(progress)
            let done: Job? = self.current.withLock { job in
                guard job?.id == id else { return nil }
                switch outcome {
                case .success(let report): job?.report = report
                case .failure(let error): job?.error = (error as? RPCError)?.message ?? "\(error)"
                }
                return job
            }
            if let done { finished(done) }
        }.start()
        return started
    }

    /// The job's outcome could not be recorded: the page says so.
    func unrecorded(id: String, problem: String) {
        current.withLock { job in
            if job?.id == id { job?.unrecorded = problem }
        }
    }
}
