import Audit
import Detection
import Foundation
import Policy
import Secrets
import Synchronization

/// `bench fim --watch`: change-to-alert latency of the real-time watch. A tree of small files under `directory`,
/// a baseline in a private vault, the watch started; then each change is a write + fsync of one file, timed from
/// just before the write to the moment the watch hands its alert to the ledger sink. The anchor, in the same run,
/// is the write + fsync alone (what any watcher has to wait for before there is something to see).
struct FIMWatchBenchmark {
    let directory: String
    let changes: Int
    let backend: FIMWatcher.Configuration.Backend

    struct Result {
        var latencies: [Double] = []
        var anchors: [Double] = []
    }

    func run() throws -> Result {
        let vault = try KeyringVault.openOrCreate(name: "aios:vault:bench-fim-watch-\(getpid())")
        defer { try? vault.destroy() }
        let tree = directory + "/tree"
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        for index in 0..<changes {
            _ = FileManager.default.createFile(
                atPath: "\(tree)/file-\(index)", contents: Data("initial \(index)\n".utf8))
        }
        let key = BaselineKey(vault: vault)
        try FIMCheck(baselinePath: directory + "/baseline.db", key: key).initialize(
            watchSet: FileWatchPolicy(entries: [FileWatch(path: tree, rules: .full)]), force: true, now: 0)
        let alerts = Mutex<[String: ContinuousClock.Instant]>([:])
        var configuration = FIMWatcher.Configuration()
        configuration.backend = backend
        let watcher = FIMWatcher(
            baselinePath: directory + "/baseline.db", key: key, configuration: configuration,
            record: { drafts in
                let now = ContinuousClock.now
                for draft in drafts where draft.eventType == .securityAlert {
                    alerts.withLock { if $0[draft.target] == nil { $0[draft.target] = now } }
                }
            })
        try watcher.start()
        defer { watcher.stop() }
        while watcher.statistics.fullChecks < 1 { Thread.sleep(forTimeInterval: 0.01) }
        var result = Result()
        for index in 0..<changes {
            let path = "\(tree)/file-\(index)"
            let content = Array("changed \(index)\n".utf8)
            let started = ContinuousClock.now
            let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
            _ = write(descriptor, content, content.count)
            fsync(descriptor)
            close(descriptor)
            let written = ContinuousClock.now
            result.anchors.append((written - started) / .milliseconds(1))
            let deadline = started + .seconds(10)
            var seen: ContinuousClock.Instant? = nil
            while seen == nil, ContinuousClock.now < deadline {
                seen = alerts.withLock { $0[path] }
                if seen == nil { Thread.sleep(forTimeInterval: 0.0005) }
            }
            guard let seen else { throw BenchFailure("no alert within 10 s for \(path)") }
            result.latencies.append((seen - started) / .milliseconds(1))
        }
        return result
    }

    struct BenchFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
