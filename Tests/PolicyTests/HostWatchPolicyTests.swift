import Capabilities
import Testing

@testable import Policy

@Suite("The host IDS in policy YAML: ids.processes and ids.kernel")
struct HostWatchPolicyTests {
    @Test("without the sections the defaults hold: long runners after 10m, alert only, modules left loadable")
    func defaults() throws {
        let policy = try SecurityPolicy.parse(yaml: "r:\n  capabilities: []\n", file: "p.yaml")
        #expect(policy.ids.processes == .default && policy.ids.kernel == .default)
        #expect(policy.ids.processes.longRunningAfter == .seconds(600) && policy.ids.processes.response == .alert)
        #expect(!policy.ids.kernel.modulesDisabled)
        #expect(SecurityPolicy.builtin().ids.processes == .default)
    }

    @Test("every key is read")
    func read() throws {
        let yaml = """
            r:
              capabilities: []
            ids:
              processes:
                long_running_after: 30m
                known_cgroups: [/process_api]
                allowed_escalations: [/usr/bin/sudo]
                response: freeze
                tracked_processes: 2048
              kernel: {modules_disabled: true, modules_poll_interval: 2s}
            """
        let ids = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").ids
        #expect(ids.processes.longRunningAfter == .seconds(1800) && ids.processes.knownCgroups == ["/process_api"])
        #expect(ids.processes.allowedEscalations == ["/usr/bin/sudo"] && ids.processes.response == .freeze)
        #expect(ids.processes.trackedProcesses == 2048)
        #expect(ids.kernel.modulesDisabled && ids.kernel.modulesPollInterval == .seconds(2))
        let off = try SecurityPolicy.parse(
            yaml: "r:\n  capabilities: []\nids:\n  processes: {long_running_after: off}\n", file: "p.yaml")
        #expect(off.ids.processes.longRunningAfter == nil)
    }

    @Test(
        "bad settings are located errors",
        arguments: [
            (
                "ids:\n  processes: {response: kill}\n",
                "p.yaml:2:25: ids.processes.response must be 'alert' or 'freeze'"
            ),
            ("ids:\n  processes: {long_running_after: soon}\n", "p.yaml:2:35: ids.processes.long_running_after"),
            ("ids:\n  processes: {known_cgroups: [relative]}\n", "p.yaml:2:31: ids.processes.known_cgroups"),
            ("ids:\n  processes: {tracked_processes: 5}\n", "p.yaml:2:34: ids.processes.tracked_processes"),
            ("ids:\n  processes: {kill: true}\n", "p.yaml:2:15: unknown key 'kill'"),
            ("ids:\n  kernel: {modules_disabled: yes please}\n", "p.yaml:2:30: ids.kernel.modules_disabled"),
            ("ids:\n  kernel: {modules_poll_interval: 1h1s}\n", "p.yaml:2:35: ids.kernel.modules_poll_interval"),
        ])
    func bad(yaml: String, expected: String) {
        expectIssue(snippet: yaml, expected)
    }
}
