import Policy

#if canImport(Glibc)
import Glibc
#endif

/// `fim init`, `check` and `update` without the terminal: what each reads, scans, compares and writes.
public struct FIMCheck: Sendable {
    public let baselinePath: String
    public let key: BaselineKey
    public let workers: Int
    public let progress: ScanProgress

    public init(
        baselinePath: String, key: BaselineKey, workers: Int = FIMScanner.defaultWorkers,
        progress: ScanProgress = .init()
    ) {
        self.baselinePath = baselinePath
        self.key = key
        self.workers = workers
        self.progress = progress
    }

    /// A check's outcome: the baseline it trusted, the scan, and the differences.
    public struct Result: Sendable {
        public let baseline: FIMBaseline
        public let scan: FIMScan
        public let changes: [FileChange]

        /// Whether anything differs or could not be checked.
        public var isClean: Bool { changes.isEmpty && scan.issues.isEmpty }
    }

    /// Scans `watchSet` and records it as the new signed baseline. Refuses to replace an existing one unless `force`.
    @discardableResult
    public func initialize(watchSet: FileWatchPolicy, force: Bool, now: Int64) throws(DetectionError) -> FIMScan {
        var status = stat()
        if !force, lstat(baselinePath, &status) == 0 {
            throw .badInput("a baseline exists at \(baselinePath): use `fim update` to accept changes, or --force")
        }
        let scan = FIMScanner(watchSet: watchSet, workers: workers, progress: progress).scan()
        try BaselineStore.write(
            FIMBaseline(watchSet: watchSet, created: now, records: scan.records), to: baselinePath, key: key)
        return scan
    }

    /// Verifies the baseline, scans its own (signed) watch set and compares.
    public func check() throws(DetectionError) -> Result {
        let baseline = try BaselineStore.read(baselinePath, key: key)
        let scan = FIMScanner(watchSet: baseline.watchSet, workers: workers, progress: progress).scan()
        return Result(
            baseline: baseline, scan: scan, changes: FIMComparison.compare(baseline: baseline.records, scan: scan))
    }

    /// Verifies the old baseline, scans `watchSet` (the policy's, which may have changed), writes the scan as the
    /// new baseline and returns what it accepted (compared with the old one).
    public func update(watchSet: FileWatchPolicy, now: Int64) throws(DetectionError) -> Result {
        let old = try BaselineStore.read(baselinePath, key: key)
        let scan = FIMScanner(watchSet: watchSet, workers: workers, progress: progress).scan()
        let baseline = FIMBaseline(watchSet: watchSet, created: now, records: scan.records)
        try BaselineStore.write(baseline, to: baselinePath, key: key)
        return Result(baseline: old, scan: scan, changes: FIMComparison.compare(baseline: old.records, scan: scan))
    }
}
