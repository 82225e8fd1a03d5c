import Audit
import Foundation
import SecurityTesting
import Synchronization
import Testing

@testable import Detection

@Suite struct HumanRecorderFloodTests {
    /// A session that execs faster than the ledger writes (here: a ledger stuck until the flood is over): past
    /// the queue's bound, commands are dropped, and every one is accounted for — recorded, or counted in an
    /// `exec.lost` entry.
    @Test(.requiresRoot("the proc connector; writing /proc/self/loginuid"))
    func aFloodPastTheQueueIsCountedNotSilent() throws {
        let written = Mutex<[AuditDraft]>([])
        let released = Atomic<Bool>(false)
        let recorder = HumanSessionRecorder(
            operators: [], connector: try ProcConnector(), journal: nil,
            audit: { batch in
                while !released.load(ordering: .relaxed) { usleep(1000) }
                written.withLock { $0 += batch }
            }, queueCapacity: 16)
        recorder.start()
        defer { recorder.stop() }
        Thread.sleep(forTimeInterval: 0.3)
        let execs = 200
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = [
            "-c",
            "echo 0 > /proc/self/loginuid && exec sh -c 'i=0; while [ $i -lt \(execs) ]; do /bin/true; i=$((i+1)); done'",
        ]
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0)
        Thread.sleep(forTimeInterval: 0.5)
        released.store(true, ordering: .relaxed)
        func accounted() -> (recorded: Int, dropped: Int) {
            written.withLock { drafts in
                let recorded = drafts.filter { $0.action == "exec" }.count
                let dropped = drafts.filter { $0.action == "exec.lost" }.reduce(0) { total, draft in
                    guard case .integer(let count) = detail(draft, "dropped_from_queue") else { return total }
                    return total + Int(count)
                }
                return (recorded, dropped)
            }
        }
        // The shell's second `sh -c` and its execs (its first `sh -c` too when read after it set its loginuid).
        #expect(eventually(20) { accounted().recorded + accounted().dropped >= execs + 1 }, "\(accounted())")
        #expect(accounted().dropped > 0, "the queue of 16 overflowed")
        #expect(accounted().dropped == recorder.statistics.dropped)
        #expect(written.withLock { $0 }.contains { $0.action == "session.start" }, "session entries are kept")
    }
}
