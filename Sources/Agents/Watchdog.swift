import Policy
import Sandbox

/// Something the watchdog saw in an agent's cgroup.
public enum WatchdogFinding: Equatable, Sendable {
    /// Out of CPU quota in most scheduling periods for this long: a runaway loop.
    case cpuPegged(seconds: Double)
    case memoryNearLimit(bytes: UInt64, limit: UInt64)
    case pidsNearLimit(count: Int, limit: Int)
    /// The kernel killed this many processes for memory since the last look.
    case oomKilled(count: Int)

    public var kind: String {
        switch self {
        case .cpuPegged: "cpu_pegged"
        case .memoryNearLimit: "memory_near_limit"
        case .pidsNearLimit: "pids_near_limit"
        case .oomKilled: "oom_kill"
        }
    }

    /// What the policy does about it.
    public func action(in policy: WatchdogPolicy) -> WatchdogAction {
        if case .oomKilled = self { return policy.onOOM }
        return policy.onPressure
    }
}

/// Compares successive cgroup samples against the limits. Pressure findings are raised once when a condition
/// starts and again only after it has cleared; OOM kills are reported every time they happen.
public struct Watchdog: Sendable {
    public let policy: WatchdogPolicy
    /// At least this share of the periods between two samples ran out of quota: the CPU counts as pegged.
    static let peggedShare = 0.8
    private var last: CgroupSample?
    private var peggedSince: Double?
    private var raised: Set<String> = []

    public init(policy: WatchdogPolicy) { self.policy = policy }

    /// `seconds` is a monotonic time of the sample.
    public mutating func observe(_ sample: CgroupSample, at seconds: Double) -> [WatchdogFinding] {
        defer { last = sample }
        var findings: [WatchdogFinding] = []
        // A cgroup is made per start, so its count starts at zero: a kill before the first look still counts.
        let previousKills = last?.oomKills ?? 0
        if sample.oomKills > previousKills { findings.append(.oomKilled(count: sample.oomKills - previousKills)) }
        let near = Double(policy.nearLimitPercent) / 100
        raiseOnce(
            "memory",
            when: sample.memoryLimit != .max && Double(sample.memoryBytes) >= Double(sample.memoryLimit) * near,
            .memoryNearLimit(bytes: sample.memoryBytes, limit: sample.memoryLimit), into: &findings)
        raiseOnce(
            "pids", when: sample.pidsLimit != .max && Double(sample.pids) >= Double(sample.pidsLimit) * near,
            .pidsNearLimit(count: sample.pids, limit: sample.pidsLimit), into: &findings)
        if let last {
            let periods = sample.cpuPeriods &- last.cpuPeriods
            let throttled = sample.cpuThrottledPeriods &- last.cpuThrottledPeriods
            let pegged = periods > 0 && Double(throttled) >= Double(periods) * Self.peggedShare
            if pegged {
                let since = peggedSince ?? seconds
                peggedSince = since
                let length = seconds - since
                raiseOnce(
                    "cpu", when: length * 1000 >= Double(policy.cpuPeggedFor.milliseconds),
                    .cpuPegged(seconds: length), into: &findings)
            } else {
                peggedSince = nil
                raised.remove("cpu")
            }
        }
        return findings
    }

    private mutating func raiseOnce(
        _ condition: String, when active: Bool, _ finding: WatchdogFinding, into findings: inout [WatchdogFinding]
    ) {
        guard active else {
            raised.remove(condition)
            return
        }
        if raised.insert(condition).inserted { findings.append(finding) }
    }
}
