import Foundation

/// One reading of an agent's cgroup counters: what the watchdog compares against the limits.
public struct CgroupSample: Sendable, Equatable {
    public var memoryBytes: UInt64
    public var memoryLimit: UInt64
    public var pids: Int
    public var pidsLimit: Int
    /// Processes the kernel killed for memory since the cgroup was made.
    public var oomKills: Int
    /// CFS periods so far, and how many of them ran out of quota.
    public var cpuPeriods: UInt64
    public var cpuThrottledPeriods: UInt64

    public init(
        memoryBytes: UInt64 = 0, memoryLimit: UInt64 = .max, pids: Int = 0, pidsLimit: Int = .max, oomKills: Int = 0,
        cpuPeriods: UInt64 = 0, cpuThrottledPeriods: UInt64 = 0
    ) {
        self.memoryBytes = memoryBytes
        self.memoryLimit = memoryLimit
        self.pids = pids
        self.pidsLimit = pidsLimit
        self.oomKills = oomKills
        self.cpuPeriods = cpuPeriods
        self.cpuThrottledPeriods = cpuThrottledPeriods
    }
}

extension AgentCgroup {
    /// Reads the counters (v1: memory.usage_in_bytes, memory.oom_control, cpu.stat; v2: memory.current,
    /// memory.events, cpu.stat; both: pids.current). A file that cannot be read counts as zero / no limit.
    public func sample() -> CgroupSample {
        func value(_ controller: String, _ name: String) -> String {
            (try? String(contentsOfFile: file(controller, name), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        }
        func keyed(_ text: String, _ key: String) -> UInt64 {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count == 2, fields[0] == key { return UInt64(fields[1]) ?? 0 }
            }
            return 0
        }
        var sample = CgroupSample()
        let cpu = value("cpu", "cpu.stat")
        sample.cpuPeriods = keyed(cpu, "nr_periods")
        sample.cpuThrottledPeriods = keyed(cpu, "nr_throttled")
        sample.pids = Int(value("pids", "pids.current")) ?? 0
        sample.pidsLimit = Int(value("pids", "pids.max")) ?? .max
        switch layout {
        case .v2:
            sample.memoryBytes = UInt64(value("memory", "memory.current")) ?? 0
            sample.memoryLimit = UInt64(value("memory", "memory.max")) ?? .max
            sample.oomKills = Int(keyed(value("memory", "memory.events"), "oom_kill"))
        case .v1:
            sample.memoryBytes = UInt64(value("memory", "memory.usage_in_bytes")) ?? 0
            sample.memoryLimit = UInt64(value("memory", "memory.limit_in_bytes")) ?? .max
            sample.oomKills = Int(keyed(value("memory", "memory.oom_control"), "oom_kill"))
        }
        return sample
    }
}
