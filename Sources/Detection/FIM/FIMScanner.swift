import Policy

#if canImport(Glibc)
import Glibc
#endif

/// A full scan of a watch set: the records, in path byte order, and what could not be recorded.
public struct FIMScan: Sendable {
    public var records: [FileRecord]
    public var issues: [ScanIssue]
}

/// Walks every watched path, then hashes the regular files in parallel.
public struct FIMScanner: Sendable {
    public let watchSet: FileWatchPolicy
    public let workers: Int
    public let progress: ScanProgress

    public init(watchSet: FileWatchPolicy, workers: Int = FIMScanner.defaultWorkers, progress: ScanProgress = .init()) {
        self.watchSet = watchSet
        self.workers = max(1, workers)
        self.progress = progress
    }

    /// One per online core.
    public static var defaultWorkers: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    public func scan() -> FIMScan {
        var walker = TreeWalker()
        defer { walker.closeRoots() }
        for watch in effectiveWatches() { walker.walk(watch) }
        var records = walker.records
        let pending = walker.pending
        progress.filesTotal.store(pending.count, ordering: .relaxed)
        progress.bytesTotal.store(
            pending.reduce(0) { total, file in
                let record = records[file.recordIndex]
                return total
                    + (record.rules.contains(.content) && record.size <= file.maxHashSize ? Int(record.size) : 0)
            }, ordering: .relaxed)
        progress.listed.store(true, ordering: .releasing)
        var issues = walker.issues
        issues += ContentHasher(workers: workers, progress: progress).hash(pending, into: &records)
        return FIMScan(records: Self.sorted(records), issues: issues)
    }

    /// The watches, each without the paths of more specific watches beneath it (those have their own rules).
    func effectiveWatches() -> [FileWatch] {
        watchSet.entries.map { watch in
            var effective = watch
            let own = Array(watch.path.utf8)
            for other in watchSet.entries where other.path != watch.path {
                if FIMPath.isWithin(Array(other.path.utf8), own) || watch.path == "/" {
                    effective.exclude.append(other.path)
                }
            }
            return effective
        }
    }

    static func sorted(_ records: [FileRecord]) -> [FileRecord] {
        records.sorted { $0.path.lexicographicallyPrecedes($1.path) }
    }
}
