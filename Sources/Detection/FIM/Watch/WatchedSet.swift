import Policy

#if canImport(Glibc)
import Glibc
#endif

/// The baseline as the watch compares with it: the signed records by path, the changes accepted since (the
/// Broker's, see ``FIMWatcher``), and which watch — with its rules — each path belongs to.
struct WatchedSet {
    let watches: [FileWatch]
    /// Each watch root's device (a path on another file system beneath it is not watched, as in a full check).
    private let devices: [String: UInt64]
    private(set) var records: [[UInt8]: FileRecord]
    /// The state last reported as unauthorized at a path (its inner nil: reported absent), so a later event that
    /// changes nothing new is not a second alert.
    var reported: [[UInt8]: FileRecord?] = [:]
    /// Whether changes were accepted since the baseline was last signed.
    var dirty = false

    init(baseline: FIMBaseline) {
        watches = FIMScanner(watchSet: baseline.watchSet).effectiveWatches()
        var devices: [String: UInt64] = [:]
        for watch in watches {
            var status = stat()
            if lstat(watch.path, &status) == 0 { devices[watch.path] = UInt64(status.st_dev) }
        }
        self.devices = devices
        records = Dictionary(baseline.records.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The most specific watch holding `path`, unless the path is excluded from it.
    func watch(for path: [UInt8]) -> FileWatch? {
        let holding = watches.filter { FIMPath.isWithin(path, Array($0.path.utf8)) || $0.path == "/" }
            .max { $0.path.utf8.count < $1.path.utf8.count }
        guard let holding, !holding.exclude.contains(where: { FIMPath.isWithin(path, Array($0.utf8)) }) else {
            return nil
        }
        return holding
    }

    func device(of watch: FileWatch) -> UInt64? { devices[watch.path] }

    /// The records at `path` and beneath it.
    func records(beneath path: [UInt8]) -> [FileRecord] {
        records.values.filter { FIMPath.isWithin($0.path, path) }
    }

    mutating func accept(_ record: FileRecord?, at path: [UInt8]) {
        records[path] = record
        reported[path] = nil
        dirty = true
    }

    /// The records as they would be signed now.
    var sorted: [FileRecord] { FIMScanner.sorted(Array(records.values)) }
}
