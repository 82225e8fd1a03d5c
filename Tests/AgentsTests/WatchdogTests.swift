import Capabilities
import Policy
import Sandbox
import Testing

@testable import Agents

@Suite("The watchdog's judgement of cgroup samples")
struct WatchdogTests {
    let policy = WatchdogPolicy(
        cpuPeggedFor: .seconds(2), nearLimitPercent: 90, onPressure: .alert, onOOM: .restart, onExit: .restart,
        backoff: .seconds(1), maximumBackoff: .seconds(8))

    @Test("memory and PIDs near the limit are raised once per episode, again after they clear")
    func nearLimits() {
        var watchdog = Watchdog(policy: policy)
        let calm = CgroupSample(memoryBytes: 10, memoryLimit: 100, pids: 1, pidsLimit: 10)
        var high = calm
        high.memoryBytes = 95
        high.pids = 9
        #expect(watchdog.observe(calm, at: 0).isEmpty)
        #expect(
            watchdog.observe(high, at: 1) == [
                .memoryNearLimit(bytes: 95, limit: 100), .pidsNearLimit(count: 9, limit: 10),
            ])
        #expect(watchdog.observe(high, at: 2).isEmpty, "still the same episode")
        #expect(watchdog.observe(calm, at: 3).isEmpty)
        #expect(watchdog.observe(high, at: 4).count == 2, "a new episode")
    }

    @Test("no limit (max) is never near")
    func unlimited() {
        var watchdog = Watchdog(policy: policy)
        #expect(watchdog.observe(CgroupSample(memoryBytes: .max - 1, pids: 1_000_000), at: 0).isEmpty)
    }

    @Test("a CPU out of quota in most periods for the policy's time is pegged; a pause resets the clock")
    func pegged() {
        var watchdog = Watchdog(policy: policy)
        func sample(periods: UInt64, throttled: UInt64) -> CgroupSample {
            CgroupSample(cpuPeriods: periods, cpuThrottledPeriods: throttled)
        }
        #expect(watchdog.observe(sample(periods: 0, throttled: 0), at: 0).isEmpty)
        #expect(watchdog.observe(sample(periods: 10, throttled: 9), at: 1).isEmpty, "pegged since 1 s")
        #expect(watchdog.observe(sample(periods: 20, throttled: 18), at: 2).isEmpty)
        #expect(watchdog.observe(sample(periods: 30, throttled: 28), at: 3) == [.cpuPegged(seconds: 2)])
        #expect(watchdog.observe(sample(periods: 40, throttled: 38), at: 4).isEmpty, "raised once")
        #expect(watchdog.observe(sample(periods: 50, throttled: 39), at: 5).isEmpty, "mostly within quota: reset")
        #expect(watchdog.observe(sample(periods: 60, throttled: 49), at: 6).isEmpty)
        #expect(watchdog.observe(sample(periods: 70, throttled: 59), at: 7).isEmpty)
        #expect(watchdog.observe(sample(periods: 80, throttled: 69), at: 8) == [.cpuPegged(seconds: 2)])
    }

    @Test("every OOM kill is reported, with how many, and maps to the policy's OOM action")
    func oom() {
        var watchdog = Watchdog(policy: policy)
        #expect(watchdog.observe(CgroupSample(oomKills: 0), at: 0).isEmpty)
        let findings = watchdog.observe(CgroupSample(oomKills: 2), at: 1)
        var late = Watchdog(policy: policy)
        #expect(
            late.observe(CgroupSample(oomKills: 1), at: 0) == [.oomKilled(count: 1)], "a kill before the first look")
        #expect(findings == [.oomKilled(count: 2)])
        #expect(findings.first?.action(in: policy) == .restart)
        #expect(WatchdogFinding.pidsNearLimit(count: 1, limit: 1).action(in: policy) == .alert)
    }
}
