import Capabilities
import Detection
import Foundation
import Policy
import Synchronization

/// Latency of the live path: a ``NetworkIDS`` fed by a ``LogTail`` on a temporary file; `sources` sources each
/// write five `Failed password` lines; the time from the write of each fifth line to the block call.
func measureTailLatency(sources: Int) throws -> (count: Int, p50: Duration, p99: Duration, maximum: Duration) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-ids-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/auth.log"
    guard FileManager.default.createFile(atPath: path, contents: nil) else {
        throw IDSBenchmarkError("cannot create \(path)")
    }
    let blocker = TimingBlocker()
    let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: { _ in }, clock: SystemClock())
    let tail = LogTail(path: path)
    let running = IDSSources(ids: ids, nflog: nil, tail: tail)
    defer { running.stop() }
    Thread.sleep(forTimeInterval: 0.3)
    guard let handle = FileHandle(forWritingAtPath: path) else { throw IDSBenchmarkError("cannot open \(path)") }
    defer { try? handle.close() }
    var written: [String: ContinuousClock.Instant] = [:]
    for source in 0..<sources {
        let address = "198.18.\(source / 250).\(source % 250 + 1)"
        for attempt in 0..<5 {
            let line =
                "2026-06-01T00:00:00.000000+00:00 bench sshd[\(1000 + source)]: Failed password for root from "
                + "\(address) port \(40000 + attempt) ssh2\n"
            // The clock is read before the write: the figure includes the write itself.
            if attempt == 4 { written[address] = .now }
            handle.write(Data(line.utf8))
            Thread.sleep(forTimeInterval: 0.001)
        }
    }
    let deadline = ContinuousClock.now + .seconds(5)
    while blocker.count < sources && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
    let delays = blocker.calls.compactMap { call in written[call.source.description].map { call.at - $0 } }.sorted()
    guard delays.count == sources else {
        throw IDSBenchmarkError("only \(delays.count) of \(sources) sources were blocked")
    }
    return (delays.count, delays[delays.count / 2], delays[(delays.count * 99 + 99) / 100 - 1], delays.last!)
}

/// Records when each block was called.
private final class TimingBlocker: Blocker {
    private let state = Mutex<[(source: IPAddress, at: ContinuousClock.Instant)]>([])

    var calls: [(source: IPAddress, at: ContinuousClock.Instant)] { state.withLock { $0 } }
    var count: Int { state.withLock { $0.count } }

    func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        let now = ContinuousClock.now
        state.withLock { $0.append((source, now)) }
    }
}
