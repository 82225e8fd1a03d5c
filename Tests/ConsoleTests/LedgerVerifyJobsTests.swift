import Dispatch
import Testing

@testable import Audit
@testable import Console

@Suite("Console verifications: one at a time, whoever presses the button")
struct LedgerVerifyJobsTests {
    @Test("pressing Verify while one runs joins it instead of starting a second whole-ledger read")
    func oneAtATime() async throws {
        let jobs = LedgerVerifyJobs()
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let work: @Sendable (VerificationProgress) -> Result<VerificationReport, any Error> = { _ in
            release.wait()
            return .success(VerificationReport())
        }
        let first = jobs.start(by: "alice", total: 10, work: work) { _ in finished.signal() }
        let second = jobs.start(by: "bob", total: 10, work: work) { _ in finished.signal() }
        #expect(first.started)
        #expect(!second.started)
        #expect(second.job.id == first.job.id)
        #expect(jobs.job(id: first.job.id)?.finished == false)
        release.signal()
        finished.wait()
        #expect(jobs.job(id: first.job.id)?.report?.intact == true)
        // Finished: the next press starts a new one, and only the newest is kept.
        let third = jobs.start(by: "bob", total: 10, work: work) { _ in finished.signal() }
        #expect(third.started && third.job.id != first.job.id)
        #expect(jobs.job(id: first.job.id) == nil)
        release.signal()
        finished.wait()
    }
}
