import AIOSProto
import ArgumentParser
import Capabilities
import Emergency
import Foundation
import GRPCCore
import Sandbox

struct EstopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estop",
        abstract:
            "Emergency stop: freeze every agent and put the system in manual mode (root; works with the daemon hung or down).",
        discussion: """
            First, directly through the kernel, every agent's cgroup is frozen. Then the daemon is asked (as the \
            local operator) to complete the stop: close the Gate, deny pending calls, suspend every grant, kill \
            running tasks and record it all. If it does not answer within --timeout, the manual-mode file is written \
            into the state directory and running tasks are killed here; the daemon honours the file within a second \
            if it is merely slow, or at its next start. Only `aios-sec resume`, signed by operators, ends manual mode.
            """)

    @OptionGroup var daemon: LocalDaemonOptions
    @Option(help: "Why (goes into the ledger).") var reason = "emergency stop"
    @Option(help: "Seconds to wait for the daemon.") var timeout = 3

    func run() async throws {
        guard geteuid() == 0 else {
            printError("estop: needs root (it freezes cgroups and writes the daemon's state)")
            throw ExitStatus.noPermission
        }
        let who = Self.operatorDescription()
        let frozen = freezeAgents()
        var request = Aios_Security_V1_EmergencyStopRequest()
        request.reason = "\(reason) (aios-sec estop by \(who))"
        do {
            let response = try await daemon.call(timeout: .seconds(Int64(timeout))) { [request] client, options in
                try await client.emergencyStop(request, options: options)
            }
            print(
                "manual mode: \(response.agentsFrozen) agent cgroup(s) frozen, \(response.tasksKilled) task(s) killed, "
                    + "\(response.grantsSuspended) grant(s) suspended, \(response.pendingDenied) pending call(s) denied "
                    + "in \(response.elapsedMicroseconds) µs [\(response.auditID)]")
            if !response.killAt.isEmpty { print("frozen agents are killed at \(response.killAt) unless resumed first") }
        } catch {
            try stopWithoutDaemon(because: "\(error)", by: who, frozen: frozen)
        }
        print("resume with: aios-sec resume --challenge (then sign it: ssh-keygen -Y sign -n aios-resume)")
    }

    /// Freezes the agents' parent cgroup; a description of what happened.
    private func freezeAgents() -> String {
        guard let layout = try? CgroupLayout.detect() else { return "no cgroups found" }
        let tree = AgentCgroupTree(layout: layout, parent: daemon.cgroupParent)
        guard tree.exists, !tree.groups.isEmpty else { return "no agent running (\(daemon.cgroupParent) is empty)" }
        do {
            let took = try tree.freezeAll(timeout: .seconds(2))
            return "\(tree.groups.count) agent cgroup(s) frozen in \(took)"
        } catch {
            return "freezing \(daemon.cgroupParent) failed: \(error)"
        }
    }

    private func stopWithoutDaemon(because problem: String, by who: String, frozen: String) throws {
        printError("estop: the daemon did not take the stop (\(problem)); stopping without it")
        print("kernel: \(frozen)")
        let file = ManualModeFile(stateDirectory: daemon.state.resolved)
        if case .manual(let record) = file.read() {
            print("manual mode already set since \(record.since) by \(record.by): \(record.reason)")
        } else {
            let record = ManualModeRecord(
                since: SystemClock().now().rfc3339, by: "root (aios-sec estop by \(who))", reason: reason)
            do {
                try file.write(record)
            } catch {
                printError("estop: \(error)")
                throw ExitStatus.software
            }
            print("manual mode written to \(file.path): the daemon records and completes the stop when it reads it")
        }
        if let tasks = try? TaskRunner.locate(), let killed = try? tasks.killAll() {
            print("tasks: \(killed.count) killed")
        }
    }

    /// Who ran the command: root, and the person behind sudo or the login session when known.
    static func operatorDescription() -> String {
        let environment = ProcessInfo.processInfo.environment
        var parts = ["uid \(getuid())"]
        if let user = environment["SUDO_USER"] { parts.append("sudo from \(user)") }
        if let loginUID = try? String(contentsOfFile: "/proc/self/loginuid", encoding: .utf8),
            let value = UInt32(loginUID.trimmingCharacters(in: .whitespacesAndNewlines)), value != UInt32.max
        {
            parts.append("loginuid \(value)")
        }
        if let tty = ttyname(0) { parts.append("tty \(String(cString: tty))") }
        return parts.joined(separator: ", ")
    }
}
