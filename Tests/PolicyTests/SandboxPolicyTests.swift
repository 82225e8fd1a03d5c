import Capabilities
import Testing

@testable import Policy

@Suite("Policy: agent sandbox limits, runtime and watchdog")
struct SandboxPolicyTests {
    @Test("without a sandbox section every agent gets the spec's limits: CPU 200 %, 2 GiB, 100 MiB/s, 100 PIDs")
    func defaults() {
        let policy = SecurityPolicy.builtin()
        let limits = policy.limits(of: AgentName("aios-agent-network"))
        #expect(limits == ResourceLimits.spec)
        #expect(limits.cpuPercent == 200 && limits.memory.bytes == 2 << 30 && limits.pids == 100)
        #expect(limits.ioPerSecond.bytes == 100 << 20)
        #expect(policy.sandbox.runtime.contains("/usr"))
        #expect(policy.sandbox.watchdog == .default)
    }

    @Test("a role's own limits override the defaults field by field; other roles keep the defaults")
    func roleLimits() throws {
        let policy = try SecurityPolicy.parse(
            yaml: """
                worker:
                  capabilities: []
                other:
                  capabilities: []
                sandbox:
                  runtime: [/usr, /lib]
                  scratch: 16m
                  limits: {cpu: 150%, memory: 1g, io: 50m, pids: 64}
                  roles:
                    worker: {memory: 256m, pids: 20}
                  watchdog:
                    cpu_pegged_for: 30s
                    near_limit: 80%
                    on_oom: stop
                    on_exit: alert
                    backoff: 2s
                    max_backoff: 1m
                """, file: "p.yaml")
        let worker = policy.limits(of: AgentName("worker"))
        #expect(worker.memory.bytes == 256 << 20 && worker.pids == 20)
        #expect(worker.cpuPercent == 150 && worker.ioPerSecond.bytes == 50 << 20, "unset fields from 'limits'")
        let other = policy.limits(of: AgentName("other"))
        #expect(other.memory.bytes == 1 << 30 && other.pids == 64)
        #expect(policy.sandbox.runtime == ["/usr", "/lib"])
        #expect(policy.sandbox.scratch.bytes == 16 << 20)
        let watchdog = policy.sandbox.watchdog
        #expect(watchdog.cpuPeggedFor == .seconds(30) && watchdog.nearLimitPercent == 80)
        #expect(watchdog.onOOM == .stop && watchdog.onExit == .alert && watchdog.onPressure == .alert)
        #expect(watchdog.backoff == .seconds(2) && watchdog.maximumBackoff == .seconds(60))
    }

    @Test(
        "bad sandbox settings are located errors",
        arguments: [
            ("sandbox:\n  limits: {cpu: lots}\n", "p.yaml:2:17: sandbox.limits.cpu must be a percent"),
            ("sandbox:\n  limits: {memory: 0}\n", "p.yaml:2:20: sandbox.limits.memory: must be more than zero"),
            ("sandbox:\n  limits: {pids: 1}\n", "p.yaml:2:18: sandbox.limits.pids must be a number from 2"),
            ("sandbox:\n  limits: {disk: 1g}\n", "p.yaml:2:12: unknown key 'disk'"),
            ("sandbox:\n  roles: {nobody: {pids: 5}}\n", "p.yaml:2:11: sandbox.roles: unknown role 'nobody'"),
            ("sandbox:\n  runtime: [usr]\n", "p.yaml:2:13: a runtime path must be absolute"),
            ("sandbox:\n  runtime: [/usr/../etc]\n", "p.yaml:2:13: a runtime path must be absolute and normalised"),
            ("sandbox:\n  watchdog: {on_exit: reboot}\n", "p.yaml:2:23: sandbox.watchdog.on_exit must be one of"),
            ("sandbox:\n  watchdog: {backoff: 1m, max_backoff: 1s}\n", "p.yaml:2:13: sandbox.watchdog: max_backoff"),
            ("sandbox:\n  scratch: 1x\n", "p.yaml:2:12: sandbox.scratch: expected a number"),
        ])
    func badSandbox(yaml: String, expected: String) {
        expectIssue(snippet: yaml, expected)
    }

    @Test(
        "sizes read as binary units and print back the same way",
        arguments: [("64k", 65536), ("2G", 2 << 30), ("512", 512), ("1MiB", 1 << 20)])
    func sizes(text: String, bytes: UInt64) throws {
        let size = try ByteSize(parsing: text)
        #expect(size.bytes == bytes)
        #expect(try ByteSize(parsing: size.description) == size)
    }
}
