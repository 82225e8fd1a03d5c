import ArgumentParser
import Detection
import Foundation
import Policy
import Secrets

/// `aios-sec bench fim --tree DIR`: a baseline of DIR in a private vault and a temporary file, then timed clean
/// checks. The anchors (aide, sha256sum over the same files) come from the shared fim_bench.sh in the same run.
struct FIMBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fim",
        abstract:
            "Time fim init and clean full checks of a tree (make one with gen_fimtree.py), or with --watch the "
            + "real-time watch's change-to-alert latency.",
        discussion: "Prints one line per run, then FIM_RESULT {json}; the last line is changed=N of the last check.")

    @Option(help: "The tree to check.") var tree: String?
    @Flag(help: "Measure change-to-alert latency of the real-time watch instead (a temporary tree).")
    var watch = false
    @Option(help: "With --watch: the changes made and timed.") var changes = 200
    @Option(help: "With --watch: automatic (fanotify) or inotify.")
    var backend: FIMWatcher.Configuration.Backend = .automatic
    @Option(help: "Timed checks.") var repeats = 3
    @Option(help: "Files hashed at once (default: one per online core).") var workers = FIMScanner.defaultWorkers

    func validate() throws {
        guard watch || tree != nil else { throw ValidationError("--tree DIR, or --watch") }
        guard changes >= 1 else { throw ValidationError("--changes must be at least 1") }
    }

    func run() throws {
        if watch { return try runWatch() }
        let tree = tree ?? "/"
        let vault = try KeyringVault.openOrCreate(name: "aios:vault:bench-fim-\(getpid())")
        let directory = NSTemporaryDirectory() + "aios-bench-fim-\(getpid())"
        defer {
            try? vault.destroy()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let checker = FIMCheck(
            baselinePath: directory + "/baseline.db", key: BaselineKey(vault: vault), workers: max(1, workers))
        let watchSet = FileWatchPolicy(entries: [FileWatch(path: tree, rules: .full)])
        var started = ContinuousClock.now
        let scan = try checker.initialize(watchSet: watchSet, force: false, now: 0)
        let initSeconds = FIMReporter.seconds(since: started)
        let bytes = scan.records.reduce(Int64(0)) { $0 + ($1.digest == nil ? 0 : $1.size) }
        print(
            String(format: "init: %d entries, %.1f MB in %.3f s", scan.records.count, Double(bytes) / 1e6, initSeconds))
        var times: [Double] = []
        var changed = 0
        for run in 1...max(1, repeats) {
            started = ContinuousClock.now
            let result = try checker.check()
            times.append(FIMReporter.seconds(since: started))
            changed = result.changes.count + result.scan.issues.count
            print(
                String(
                    format: "check %d: %.3f s (%.0f MB/s), %d differences", run, times.last!,
                    Double(bytes) / 1e6 / times.last!, changed))
        }
        let median = times.sorted()[times.count / 2]
        print(
            "FIM_RESULT {\"entries\":\(scan.records.count),\"bytes\":\(bytes),\"workers\":\(workers),"
                + "\"init_s\":\(initSeconds),\"check_median_s\":\(median)}")
        print("changed=\(changed)")
    }
}

extension FIMBenchCommand {
    func runWatch() throws {
        let directory = NSTemporaryDirectory() + "aios-bench-fim-watch-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try FIMWatchBenchmark(directory: directory, changes: changes, backend: backend).run()
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        let p99 = { (values: [Double]) in values.sorted()[min(values.count - 1, values.count * 99 / 100)] }
        print(
            "watch (\(backend.rawValue)): "
                + String(
                    format: "%d changes; change-to-alert median %.2f ms, p99 %.2f ms, max %.2f ms; "
                        + "anchor write+fsync median %.2f ms, p99 %.2f ms", changes,
                    median(result.latencies), p99(result.latencies), result.latencies.max() ?? 0,
                    median(result.anchors),
                    p99(result.anchors)))
        print(
            "FIM_WATCH_RESULT {\"backend\":\"\(backend.rawValue)\",\"changes\":\(changes),"
                + "\"alert_median_ms\":\(median(result.latencies)),\"alert_p99_ms\":\(p99(result.latencies)),"
                + "\"anchor_median_ms\":\(median(result.anchors)),\"anchor_p99_ms\":\(p99(result.anchors))}")
    }
}
