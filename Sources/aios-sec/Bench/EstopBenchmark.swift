import AIOSProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Sandbox

/// `aios-sec bench estop`: a real daemon (this binary's `serve`, a child process) with N agents running, stopped with
/// the EmergencyStop RPC and resumed with a signed challenge, several rounds; against, in the same run, the plain
/// loop a script would write: `cgroup.freeze` on each of N cgroups with a process in it, waiting for each.
struct EstopBenchmark {
    let agents: Int
    let rounds: Int
    let base = NSTemporaryDirectory() + "/aios-bench-estop-\(getpid())"
    var parent: String { "aios-bench-estop-\(getpid())" }
    var anchorParent: String { "aios-bench-anchor-\(getpid())" }

    struct Round {
        var roundTrip: Duration
        var inDaemon: Duration
        var frozen: Int
        /// A `Status` call on a fresh connection, as the stop's call is made: the handshake's share of the round trip.
        var status: Duration
    }

    func run() async throws -> String {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let key = base + "/operator"
        try Self.sshKeygen(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key])
        let daemon = try startDaemon(operatorKey: String(contentsOfFile: key + ".pub", encoding: .utf8))
        defer {
            daemon.process.terminate()
            daemon.process.waitUntilExit()
            _ = try? Self.run("/proc/self/exe", ["secrets", "forget", "--vault", daemon.vault])
            Self.removeCgroups(parent)
        }
        let orchestrator = DaemonEndpoint(server: daemon.address, identity: base + "/state/identities/orchestrator")
        let agent = DaemonEndpoint(server: daemon.address, identity: base + "/state/identities/bench-000")
        for index in 0..<agents {
            var spawn = Aios_Security_V1_SpawnAgentRequest()
            spawn.agent = String(format: "bench-%03d", index)
            spawn.command = ["/bin/sleep", "3600"]
            _ = try await orchestrator.withClient { [spawn] in try await $0.spawnAgent(spawn) }
        }
        var measured: [Round] = []
        for _ in 0..<rounds {
            let statusStart = ContinuousClock.now
            _ = try await orchestrator.withClient { try await $0.status(Aios_Security_V1_StatusRequest()) }
            let status = ContinuousClock.now - statusStart
            var stop = Aios_Security_V1_EmergencyStopRequest()
            stop.reason = "benchmark"
            let start = ContinuousClock.now
            let response = try await orchestrator.withClient { [stop] in try await $0.emergencyStop(stop) }
            let roundTrip = ContinuousClock.now - start
            var probe = Aios_Security_V1_AuthorizeRequest()
            probe.capability = "fs:read:/tmp/x"
            let decision = try await agent.withClient { [probe] in try await $0.authorize(probe) }.decision
            guard !decision.allowed, decision.explanation.contains("manual mode") else {
                throw BenchFailure("the Gate was open after the stop: \(decision.explanation)")
            }
            measured.append(
                Round(
                    roundTrip: roundTrip, inDaemon: .microseconds(Int64(response.elapsedMicroseconds)),
                    frozen: Int(response.agentsFrozen), status: status))
            try await resume(orchestrator, key: key)
        }
        let anchor = try anchorLoop()
        return report(measured, anchor: anchor)
    }

    private func resume(_ endpoint: DaemonEndpoint, key: String) async throws {
        let challenge = try await endpoint.withClient {
            try await $0.resumeChallenge(Aios_Security_V1_ResumeChallengeRequest())
        }.challenge
        let file = base + "/challenge"
        try challenge.write(toFile: file, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: file + ".sig")
        try Self.sshKeygen(["-q", "-Y", "sign", "-f", key, "-n", "aios-resume", file])
        var request = Aios_Security_V1_ResumeRequest()
        request.challenge = challenge
        request.signatures = [try String(contentsOfFile: file + ".sig", encoding: .utf8)]
        request.agents = "thaw"
        _ = try await endpoint.withClient { [request] in try await $0.resume(request) }
    }

    /// The anchor: N cgroups with a sleeping process each, frozen one after the other (write, wait for frozen).
    private func anchorLoop() throws -> [Duration] {
        let layout = try CgroupLayout.detect()
        var groups: [AgentCgroup] = []
        var sleepers: [Process] = []
        defer {
            for group in groups { try? group.kill() }
            for sleeper in sleepers { sleeper.waitUntilExit() }
            for group in groups { group.remove() }
            Self.removeCgroups(anchorParent)
        }
        for index in 0..<agents {
            let group = try AgentCgroup(
                layout: layout, parent: anchorParent, name: "g\(index)", limits: CgroupLimits())
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
            sleeper.arguments = ["3600"]
            try sleeper.run()
            try group.add(pid: sleeper.processIdentifier)
            groups.append(group)
            sleepers.append(sleeper)
        }
        var times: [Duration] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            for group in groups { try group.freeze() }
            times.append(ContinuousClock.now - start)
            for group in groups { try group.thaw() }
        }
        return times
    }

    private func report(_ rounds: [Round], anchor: [Duration]) -> String {
        let trips = rounds.map(\.roundTrip).sorted()
        let inside = rounds.map(\.inDaemon).sorted()
        let loop = anchor.sorted()
        let status = rounds.map(\.status).sorted()
        func ms(_ value: Duration) -> String { String(format: "%.1f", value / .milliseconds(1)) }
        let median = { (values: [Duration]) in values[values.count / 2] }
        return """
            | \(agents) running agents, \(self.rounds) rounds | median | max |
            | --- | --- | --- |
            | EmergencyStop RPC, call to reply (Gate closed, all frozen, grants suspended, recorded) | \(ms(median(trips))) ms | \(ms(trips.last!)) ms |
            | inside the daemon: call arrival to Gate closed and all \(rounds.first?.frozen ?? 0) frozen | \(ms(median(inside))) ms | \(ms(inside.last!)) ms |
            | for scale: a `Status` call on a fresh mTLS connection, as the stop's call is made | \(ms(median(status))) ms | \(ms(status.last!)) ms |
            | anchor: plain `cgroup.freeze` loop over \(agents) cgroups (write, wait for each) | \(ms(median(loop))) ms | \(ms(loop.last!)) ms |
            """
    }

    // MARK: The daemon

    struct Daemon {
        let process: Process
        let address: String
        let vault: String
    }

    private func startDaemon(operatorKey: String) throws -> Daemon {
        let names = (0..<agents).map { String(format: "  bench-%03d: {roles: [bench]}", $0) }
        let policy = """
            bench:
              capabilities: ["fs:read:/tmp/*"]
            agents:
            \(names.joined(separator: "\n"))
            emergency:
              operators:
                bench: {ssh_keys: ["\(operatorKey.trimmingCharacters(in: .whitespacesAndNewlines))"]}
              freeze_timeout: never
            """
        try policy.write(toFile: base + "/policy.yaml", atomically: true, encoding: .utf8)
        let vault = "aios:vault:bench-estop-\(getpid())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = [
            "serve", "--state-dir", base + "/state", "--vault", vault, "--listen", "127.0.0.1:0", "--console",
            "127.0.0.1:0", "--policy", base + "/policy.yaml", "--agent-cgroup-parent", parent,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        var text = ""
        let deadline = Date() + 120
        while Date() < deadline, !text.contains("listening on ") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: #"listening on (\S+)"#, options: .regularExpression) else {
            throw BenchFailure("the daemon did not start: \(text)")
        }
        return Daemon(process: process, address: String(text[range].dropFirst("listening on ".count)), vault: vault)
    }

    static func sshKeygen(_ arguments: [String]) throws {
        guard try run("/usr/bin/ssh-keygen", arguments) == 0 else {
            throw BenchFailure("ssh-keygen \(arguments) failed")
        }
    }

    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func removeCgroups(_ parent: String) {
        let roots =
            ["/sys/fs/cgroup"]
            + ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"].map {
                "/sys/fs/cgroup/" + $0
            }
        for root in roots {
            let top = root + "/" + parent
            let below = (FileManager.default.enumerator(atPath: top)?.allObjects as? [String]) ?? []
            for relative in below.sorted(by: { $0.count > $1.count }) { rmdir(top + "/" + relative) }
            rmdir(top)
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
