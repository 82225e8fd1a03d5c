import Audit
import Capabilities
import Foundation
import Policy
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The real-time half of file integrity: the kernel's file events on the baseline's watch set (fanotify where it
/// can, inotify elsewhere), each changed path re-read and compared with the baseline within a moment, and
/// classified — the Broker's change for an allowed call (``AuthorizedChanges``) or an unauthorized one, which is
/// recorded as a `security_alert` and a `file_modification`. Every other observation is handed to `observe`.
///
/// Threads: one per kernel interface reads events (and `/proc` for the pid at once) into a bounded
/// ``ChangeQueue``; one checker drains it. A full check of the whole set runs first (changes made while nothing
/// watched) and again whenever a queue overflowed (the kernel's or ours).
public final class FIMWatcher: Sendable {
    public struct Configuration: Sendable {
        public enum Backend: String, Sendable {
            /// fanotify where the kernel and the file system allow it, inotify elsewhere.
            case automatic
            /// inotify only.
            case inotify
        }

        public var backend: Backend = .automatic
        /// Paths waiting for the checker; beyond it, an overflow (and a full check).
        public var queueCapacity = 65_536
        /// How long the checker lets a burst of events settle before reading the paths.
        public var settle: Duration = .milliseconds(10)
        /// Writes to these (or beneath) by anything but the Broker are privilege-escalation alerts.
        public var privilegedPaths = FileFindings.privilegedPaths
        /// Never watched, even inside the watch set: the watch's own writes (the daemon's ledger, the baseline)
        /// would otherwise feed it events about its own reports.
        public var ignoredPaths: [String] = []
        /// Whether to compare the whole set at start.
        public var checkAtStart = true
        public var workers = FIMScanner.defaultWorkers

        public init() {}
    }

    let baselinePath: String
    let key: BaselineKey
    let configuration: Configuration
    let authorized: AuthorizedChanges?
    let record: AuditBatchSink
    let observe: @Sendable (HostEvent) -> Void
    let clock: any SecurityClock
    let queue: ChangeQueue
    private let shared: Mutex<Shared>
    private let stopPipe: (read: Int32, write: Int32)
    private let finished = DispatchGroup()

    struct Shared {
        var watched: WatchedSet? = nil
        var watchSet = FileWatchPolicy(entries: [])
        var backends: [String: WatchSource] = [:]
        var statistics = FIMWatchStatistics()
        var stopping = false
        /// Unauthorized findings recorded one by one per rule and minute before they are counted into a summary: an
        /// intruder that changes a million files must not write two million entries.
        var alerts = AlertAggregator(
            individually: FIMWatcher.alertsPerWindow, window: .seconds(60))
    }

    static let alertsPerWindow = 100
    /// The states remembered as already reported; past this many the memory is cleared (a later event on one of
    /// them is reported again: a repeat, never a silence).
    static let maximumReported = 100_000

    /// `record` appends to the ledger (unauthorized changes; the ledger's commits reach the events window by
    /// themselves); `observe` publishes each observation that is not recorded, as a `files` event (the daemon:
    /// `core.events.publish`).
    public init(
        baselinePath: String, key: BaselineKey, configuration: Configuration = .init(),
        authorized: AuthorizedChanges? = nil, record: @escaping AuditBatchSink,
        observe: @escaping @Sendable (HostEvent) -> Void = { _ in }, clock: any SecurityClock = SystemClock()
    ) {
        self.clock = clock
        self.baselinePath = baselinePath
        self.key = key
        self.configuration = configuration
        self.authorized = authorized
        self.record = record
        self.observe = observe
        queue = ChangeQueue(capacity: configuration.queueCapacity)
        shared = Mutex(Shared())
        var pipeEnds: [Int32] = [-1, -1]
        _ = pipe(&pipeEnds)
        stopPipe = (pipeEnds[0], pipeEnds[1])
    }

    deinit {
        Glibc.close(stopPipe.read)
        Glibc.close(stopPipe.write)
    }

    public var statistics: FIMWatchStatistics { shared.withLock { $0.statistics } }

    /// Which interface watches each watch root.
    public var backends: [String: WatchSource] { shared.withLock { $0.backends } }

    /// Verifies the baseline, places the kernel watches and starts the threads. Throws when the baseline is refused
    /// or no watch at all could be placed.
    public func start() throws(DetectionError) {
        let baseline = try BaselineStore.read(baselinePath, key: key)
        let watched = WatchedSet(baseline: baseline)
        var remaining = watched.watches.filter { watched.device(of: $0) != nil }
        var backends: [String: WatchSource] = [:]
        if configuration.backend == .automatic {
            let (source, unmarked, _) = FanotifySource.open(remaining)
            if let source {
                for watch in source.marked { backends[watch.path] = .fanotify }
                spawn("aios-fim-fanotify") { [self] in
                    source.run(
                        stop: stopPipe.read, watched: { [self] path in isWatched(path) },
                        deliver: { [self] change in queue.push(change) }, overflow: { [self] in kernelOverflow() },
                        unresolved: { [self] in shared.withLock { $0.statistics.unresolved += 1 } })
                    source.close()
                }
            }
            remaining = unmarked
        }
        if !remaining.isEmpty {
            var inotify = try InotifySource()
            for watch in remaining {
                let device = watched.device(of: watch)
                inotify.add(tree: Array(watch.path.utf8), device: device) { path in
                    watch.exclude.contains { FIMPath.isWithin(path, Array($0.utf8)) }
                }
                backends[watch.path] = .inotify
            }
            let failed = inotify.failed
            spawn("aios-fim-inotify") { [self, inotify] in
                var source = inotify
                source.run(
                    stop: stopPipe.read,
                    device: { [self] path in
                        shared.withLock { shared in
                            shared.watched?.watch(for: path).flatMap { shared.watched?.device(of: $0) }
                        }
                    },
                    excluded: { [self] path in !isWatched(path) }, deliver: { [self] change in queue.push(change) },
                    overflow: { [self] in kernelOverflow() })
                source.close()
            }
            shared.withLock { $0.statistics.unwatchedDirectories = failed }
        }
        shared.withLock {
            $0.watched = watched
            $0.watchSet = baseline.watchSet
            $0.backends = backends
        }
        spawn("aios-fim-checker") { [self] in checkUntilStopped() }
    }

    /// Stops the threads, and writes the baseline if the Broker's changes were accepted into it since.
    public func stop() {
        let already = shared.withLock { state -> Bool in
            defer { state.stopping = true }
            return state.stopping
        }
        guard !already else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(stopPipe.write, &byte, 1)
        finished.wait()
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        finished.enter()
        let thread = Thread { [finished] in
            body()
            finished.leave()
        }
        thread.name = name
        thread.start()
    }

    func isWatched(_ path: [UInt8]) -> Bool {
        guard !configuration.ignoredPaths.contains(where: { FIMPath.isWithin(path, Array($0.utf8)) }) else {
            return false
        }
        return shared.withLock { $0.watched?.watch(for: path) != nil }
    }

    private func kernelOverflow() {
        shared.withLock { $0.statistics.kernelOverflows += 1 }
        queue.markOverflow()
    }

    var isStopping: Bool { shared.withLock { $0.stopping } }

    func withWatched<T>(_ body: (inout WatchedSet) -> T) -> T? {
        shared.withLock { shared in
            guard shared.watched != nil else { return nil }
            return body(&shared.watched!)
        }
    }

    func count(_ update: (inout FIMWatchStatistics) -> Void) { shared.withLock { update(&$0.statistics) } }

    func withShared<T>(_ body: (inout Shared) -> T) -> T { shared.withLock { body(&$0) } }

    var watchSet: FileWatchPolicy { shared.withLock { $0.watchSet } }
}

/// What the watch has done since it started.
public struct FIMWatchStatistics: Sendable, Equatable {
    /// Changed paths read and compared.
    public var checked = 0
    /// Unauthorized changes recorded (each an alert and a modification entry).
    public var unauthorized = 0
    /// Changes the Broker announced and made.
    public var authorized = 0
    /// Overflows of the kernel's queue (FAN_Q_OVERFLOW, IN_Q_OVERFLOW).
    public var kernelOverflows = 0
    /// Overflows of the watch's own queue.
    public var queueOverflows = 0
    /// Full checks done (at start and after overflows).
    public var fullChecks = 0
    /// fanotify events whose directory could no longer be found (removed before it was read).
    public var unresolved = 0
    /// Directories inotify could not watch (the per-user limit).
    public var unwatchedDirectories = 0
    /// Paths that could not be read as a check reads them (each changed one is reported as not checked; a full
    /// check's are counted here).
    public var notChecked = 0
    /// Unauthorized findings counted into a per-minute summary instead of recorded one by one (still in the events
    /// window each).
    public var aggregated = 0
    /// Times the memory of already-reported states was cleared at its bound.
    public var reportedResets = 0
    /// Ledger writes that failed.
    public var recordFailures = 0

    public init() {}
}
