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
        abstract: "Time fim init and clean full checks of a tree (make one with gen_fimtree.py).",
        discussion: "Prints one line per run, then FIM_RESULT {json}; the last line is changed=N of the last check.")

    @Option(help: "The tree to watch.") var tree: String
    @Option(help: "Timed checks.") var repeats = 3
    @Option(help: "Files hashed at once (default: one per online core).") var workers = FIMScanner.defaultWorkers

    func run() throws {
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
