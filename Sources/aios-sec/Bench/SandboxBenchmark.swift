import Agents
import Capabilities
import Foundation
import Policy
import Sandbox
import Secrets

/// `aios-sec bench sandbox`: spawn-to-exit of `true` in a full agent sandbox against plain exec and bwrap in the
/// same run (interleaved, so they share the noise), then freezing and killing many running agents at once.
struct SandboxBenchmark {
    let runs: Int
    let agents: Int
    let cgroupParent = "aios-bench-\(getpid())"

    /// The spawner every measured launch goes through, as `sandbox run` uses it; its ledger entries are dropped
    /// (the ledger has its own benchmark).
    private func spawner(vault: KeyringVault) throws -> AgentSpawner {
        let policy = try SecurityPolicy.parse(
            yaml: """
                bench:
                  capabilities: [fs:write:/var/tmp/aios-bench/*, net:listen:8080]
                agents:
                  bench: {roles: [bench], uid: 61970}
                """, file: "bench-policy")
        return AgentSpawner(
            policy: policy, vault: vault,
            confinement: AgentSpawner.Confinement(
                layout: try CgroupLayout.detect(), cgroupParent: cgroupParent, daemonSocket: nil),
            action: "bench.spawn", audit: { _ in })
    }

    func run() throws -> String {
        let vault = try KeyringVault.openOrCreate(name: "aios-bench-\(getpid())")
        defer {
            try? vault.destroy()
            removeParent()
        }
        let spawner = try spawner(vault: vault)
        let bwrap = [
            "/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev",
            "/dev", "/bin/true",
        ]
        let uncgrouped = try uncgroupedSpec(spawner.policy)
        var times: [[Duration]] = [[], [], [], []]
        for index in -3..<runs {  // three warm-up rounds
            for step in 0..<4 {
                let kind = (step + index + 3) % 4
                let time: Duration
                switch kind {
                case 0: time = try timeSpawn(["/bin/true"])
                case 1: time = try timeSpawn(bwrap)
                case 2: time = try timeAgent(spawner)
                default: time = try timeLaunch(uncgrouped)
                }
                if index >= 0 { times[kind].append(time) }
            }
        }
        let (plain, wrapped, sandboxed, withoutCgroup) = (times[0], times[1], times[2], times[3])
        let (freeze, kill) = try freezeAndKill(spawner)
        func row(_ name: String, _ times: [Duration]) -> String {
            let sorted = times.sorted()
            return "| \(name) | \(Self.ms(sorted[sorted.count / 2])) | \(Self.ms(sorted[sorted.count * 9 / 10])) "
                + "| \(String(format: "%.1f", (sorted[sorted.count / 2]) / (plain.sorted()[plain.count / 2])))× |"
        }
        return """
            | spawn to exit of `true` (\(runs) runs each, interleaved) | median ms | p90 ms | × plain |
            |---|---:|---:|---:|
            \(row("plain fork+exec (anchor)", plain))
            \(row("`bwrap --unshare-all --die-with-parent --ro-bind / / --proc /proc --dev /dev`", wrapped))
            \(row("agent sandbox: keyring, cgroup (made, joined, removed), 5 namespaces, private root, Landlock, seccomp, uid", sandboxed))
            \(row("the same without the cgroup (namespaces, private root, Landlock, seccomp, uid)", withoutCgroup))

            | \(agents) running agents, each in its own cgroup | ms |
            |---|---:|
            | freeze all (parent cgroup) until the kernel reports frozen | \(Self.ms(freeze)) |
            | kill all until no process is left | \(Self.ms(kill)) |
            """
    }

    private func timeAgent(_ spawner: AgentSpawner) throws -> Duration {
        let start = ContinuousClock.now
        let agent = try spawner.spawn(agent: "bench", command: ["/bin/true"])
        let status = agent.wait()
        let elapsed = ContinuousClock.now - start
        guard status == 0 else { throw TaskBenchmarkError("the sandboxed `true` exited \(status)") }
        return elapsed
    }

    /// The agent's confinement without its cgroup: what the launch costs apart from the cgroup migration.
    private func uncgroupedSpec(_ policy: SecurityPolicy) throws -> LaunchSpec {
        let capabilities = policy.authority().capabilitySet().holdings(of: AgentName("bench")).map(\.capability)
        let confined = AgentConfinement(
            capabilities: capabilities, runtime: policy.sandbox.runtime, scratchBytes: policy.sandbox.scratch.bytes,
            daemonSocket: nil)
        var spec = LaunchSpec(
            executable: "/bin/true", arguments: ["true"], environment: [], identity: (61970, 61970),
            ownSessionKeyring: true, landlock: confined.landlock, namespaces: .agent,
            seccomp: try SeccompFilter.agent.get(), filesystem: confined.view)
        spec.landlockNetwork = confined.network
        return spec
    }

    private func timeLaunch(_ spec: LaunchSpec) throws -> Duration {
        let start = ContinuousClock.now
        let child = try PendingProcess(spec)
        try child.release()
        let status = child.wait()
        guard status == 0 else { throw TaskBenchmarkError("the uncgrouped `true` exited \(status)") }
        return ContinuousClock.now - start
    }

    private func timeSpawn(_ arguments: [String]) throws -> Duration {
        let start = ContinuousClock.now
        var pid: pid_t = 0
        let status = withCStringArray(arguments) { argv in posix_spawn(&pid, arguments[0], nil, nil, argv, environ) }
        guard status == 0 else { throw TaskBenchmarkError("cannot start \(arguments[0]): \(status)") }
        var exit: Int32 = 0
        waitpid(pid, &exit, 0)
        guard exit == 0 else { throw TaskBenchmarkError("\(arguments[0]) exited with \(exit)") }
        return ContinuousClock.now - start
    }

    /// Starts the agents (each `sleep`), freezes the parent, thaws, kills all; the times of freeze and kill.
    private func freezeAndKill(_ spawner: AgentSpawner) throws -> (Duration, Duration) {
        var running: [RunningAgent] = []
        for _ in 0..<agents { running.append(try spawner.spawn(agent: "bench", command: ["/bin/sleep", "120"])) }
        let tree = AgentCgroupTree(layout: try CgroupLayout.detect(), parent: cgroupParent)
        let freeze = try tree.freezeAll()
        try tree.thawAll()
        let kill = try tree.killAll()
        running.removeAll()  // reaps each and removes its cgroup
        return (freeze, kill)
    }

    private func removeParent() {
        guard let layout = try? CgroupLayout.detect() else { return }
        switch layout {
        case .v2(let root): rmdir(root + "/" + cgroupParent)
        case .v1(let controllers): for directory in controllers.values { rmdir(directory + "/" + cgroupParent) }
        }
    }

    static func ms(_ duration: Duration) -> String { String(format: "%.2f", duration / .milliseconds(1)) }
}

private func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
