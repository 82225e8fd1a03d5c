import Agents
import Capabilities
import Foundation
import Glibc
import Synchronization

extension Broker {
    /// The most programs one agent may have running through the Broker at once.
    static let maximumProcessesPerAgent = 16

    /// Starts an allow-listed program as the calling agent, inside its sandbox; `args` is a JSON array of strings
    /// (never a shell line), each checked against the program's pattern.
    func spawn(_ name: String, _ argumentsJSON: String?, for agent: String, allowedBy capability: Capability)
        throws(BrokerResult.Failure) -> BrokerResult
    {
        guard let executable = executables[name] else {
            throw BrokerResult.Failure(
                code: .failedPrecondition, message: "'\(name)' is not in the Broker's allow-list of executables")
        }
        var arguments: [String] = []
        if let argumentsJSON {
            guard let data = argumentsJSON.data(using: .utf8),
                let list = try? JSONSerialization.jsonObject(with: data) as? [String]
            else { throw BrokerResult.Failure(code: .invalidArgument, message: "args must be a JSON array of strings") }
            arguments = list
        }
        if let refusal = executable.refusal(of: arguments) {
            throw BrokerResult.Failure(code: .permissionDenied, message: "\(name): \(refusal)")
        }
        guard let spawner else {
            throw BrokerResult.Failure(
                code: .failedPrecondition,
                message: "this daemon cannot confine programs (it needs root and cgroups), so it starts none")
        }
        guard processes.running(of: agent) < Self.maximumProcessesPerAgent else {
            throw BrokerResult.Failure(
                code: .resourceExhausted,
                message: "\(agent) already runs \(Self.maximumProcessesPerAgent) programs through the Broker")
        }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        let process: RunningAgent
        do {
            process = try spawner.spawn(
                agent: agent, command: [executable.path] + arguments,
                stdio: AgentSpawner.Stdio(input: null, output: null, error: null), requestedBy: agent)
        } catch {
            throw BrokerResult.Failure(code: .unavailable, message: "cannot start \(name): \(error)")
        }
        let pid = process.pid
        processes.add(process, name: name, agent: agent)
        return .success(
            Array("\(pid)\n".utf8), ["pid": .int(Int(pid)), "executable": .string(executable.path)],
            event: .agentSpawn)
    }

    /// Ends a program the agent started through the Broker (the whole of its cgroup), by the pid `spawn`
    /// returned. Any other process — the daemon, another agent's, the host's — is not the agent's to signal.
    func kill(_ name: String, _ pidText: String?, for agent: String) throws(BrokerResult.Failure) -> BrokerResult {
        guard let pidText, let pid = Int32(pidText), pid > 1 else {
            throw BrokerResult.Failure(code: .invalidArgument, message: "process.kill needs the pid of the process")
        }
        guard let status = processes.kill(pid: pid, name: name, agent: agent) else {
            throw BrokerResult.Failure(
                code: .permissionDenied,
                message: "process \(pid) is not a '\(name)' that \(agent) started through the Broker")
        }
        return .success([], ["pid": .int(Int(pid)), "exit_status": .int(Int(status))])
    }
}

/// The programs agents started through the Broker. Exited ones are reaped (and their cgroups removed) whenever
/// the table is used; the daemon kills the rest when it stops.
final class SpawnedProcesses: Sendable {
    /// A program's handle is used under the lock, or by the one caller that took it out of the table.
    private struct Entry: @unchecked Sendable {
        let agent: String
        let name: String
        let process: RunningAgent
    }

    private let entries = Mutex<[Int32: Entry]>([:])

    func add(_ process: RunningAgent, name: String, agent: String) {
        let entry = Entry(agent: agent, name: name, process: process)
        entries.withLock { $0[process.pid] = entry }
    }

    func running(of agent: String) -> Int {
        entries.withLock { entries in
            Self.reap(&entries)
            return entries.values.filter { $0.agent == agent }.count
        }
    }

    /// Kills and reaps the program; nil when `pid` is not one `agent` started as `name`.
    func kill(pid: Int32, name: String, agent: String) -> Int32? {
        let entry = entries.withLock { entries -> Entry? in
            guard let entry = entries[pid], entry.agent == agent, entry.name == name else { return nil }
            entries[pid] = nil
            return entry
        }
        return entry?.process.kill()
    }

    func killAll() {
        let all = entries.withLock { entries in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        for entry in all { _ = entry.process.kill() }
    }

    private static func reap(_ entries: inout [Int32: Entry]) {
        for (pid, entry) in entries where entry.process.poll() != nil { entries[pid] = nil }
    }
}
