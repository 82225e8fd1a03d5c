import Capabilities
import Policy

/// The brute-force and scan rules over a log file, offline, with the log's own timestamps as the clock: the blocks
/// the live IDS would have issued, for `aios-sec ids replay`. Nothing is blocked and nothing is recorded.
public struct AuthLogReplay {
    public let policy: IDSPolicy
    public let classicYear: Int

    public init(policy: IDSPolicy, classicYear: Int) {
        self.policy = policy
        self.classicYear = classicYear
    }

    public struct Result: Sendable {
        /// Every alert in the order the live IDS would have raised it; allow-listed sources' alerts are alert-only.
        public var alerts: [IntrusionAlert] = []
        public var lines = 0
        public var counts = LineCounts()
        /// Netfilter LOG lines (`SRC=… DST=… DPT=…`) read as connection attempts for the scan rules.
        public var packetLines = 0
    }

    /// Replays the file at `path` (memory-mapped, one pass), calling `onAlert` as each alert is raised.
    public func run(path: String, onAlert: (IntrusionAlert) -> Void = { _ in }) throws(DetectionError) -> Result {
        let file = try MappedFile(path: path)
        var rules = DetectionRules(policy: policy, classicYear: classicYear)
        var timestamps = LogTimestampParser(classicYear: Int64(classicYear))
        var result = Result()
        var last = Timestamp(millisecondsSinceEpoch: 0)
        func raise(_ detected: IntrusionAlert) {
            var alert = detected
            if alert.blockDuration != nil && policy.isAllowListed(alert) {
                alert.response = .alertOnly(reason: "allow-listed source (management subnet or loopback); not blocked")
            }
            result.alerts.append(alert)
            onAlert(alert)
        }
        file.forEachLine { bytes in
            result.lines += 1
            let alerts = rules.ingestAuthLine(bytes, receivedAt: nil)
            if !alerts.isEmpty {
                for alert in alerts {
                    last = max(last, alert.time)
                    raise(alert)
                }
                return
            }
            // Only a line of another program (the kernel's, ulogd's) can be a netfilter log line.
            guard rules.counts.otherPrograms > result.counts.otherPrograms,
                let attempt = NetfilterLogLine.parse(ByteLine(bytes: bytes), timestamps: &timestamps)
            else {
                result.counts = rules.counts
                return
            }
            result.counts = rules.counts
            result.packetLines += 1
            last = max(last, attempt.time)
            for alert in rules.ingest(attempt, now: attempt.time) { raise(alert) }
        }
        for alert in rules.flushProbes(now: last) { raise(alert) }
        result.counts = rules.counts
        return result
    }
}
