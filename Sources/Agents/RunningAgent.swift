import Foundation
import Sandbox

/// An agent process that has started: its launcher child (PID 1 of its namespace when confined) and its cgroup.
/// Not shared between threads: its supervisor owns it.
public final class RunningAgent {
    public let agent: String
    public let executable: String
    public let pid: Int32
    public let cgroup: AgentCgroup?
    public let startedAt: ContinuousClock.Instant
    private let process: PendingProcess
    private var exitStatus: Int32?

    init(agent: String, executable: String, process: PendingProcess, cgroup: AgentCgroup?) {
        self.agent = agent
        self.executable = executable
        self.process = process
        self.cgroup = cgroup
        pid = process.pid
        startedAt = .now
    }

    /// The exit status once the agent has exited (128 + signal when killed), without waiting.
    public func poll() -> Int32? {
        if exitStatus == nil { exitStatus = process.tryWait() }
        return exitStatus
    }

    /// Waits for the exit.
    public func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        let status = process.wait()
        exitStatus = status
        return status
    }

    /// Kills everything in the agent's cgroup (or the process itself when unconfined) and reaps it.
    public func kill() -> Int32 {
        if let cgroup {
            try? cgroup.kill()
        } else if exitStatus == nil {
            Glibc.kill(pid, SIGKILL)
        }
        return wait()
    }

    deinit {
        _ = kill()
        cgroup?.remove()
    }
}
