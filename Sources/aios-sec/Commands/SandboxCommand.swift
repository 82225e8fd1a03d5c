import ArgumentParser
import Foundation
import Policy
import Sandbox

struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "Run agents confined by the kernel; freeze or kill all of them at once.",
        subcommands: [SandboxRunCommand.self, SandboxAllCommand.self])
}

struct SandboxRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command as an agent: its uid, its keyring, its cgroup limits, Landlock from its fs: rights.",
        discussion: """
            The command joins a cgroup of its own (CPU, memory, PIDs; cgroup v2 or v1, whichever the kernel has)
            before exec, gets the agent's secret copies in its session keyring, no_new_privs, and Landlock rules
            compiled from the agent's fs: capabilities plus a read-only runtime. If any of it cannot be applied,
            nothing runs. Namespaces and seccomp come next. Needs root. Exits with the command's status.
            """)

    @Option(help: "The agent.") var agent: String
    @Option(help: "The cgroup folder the agent's cgroup goes under.") var cgroupParent = "aios"
    @Option(help: "CPU limit in percent of one core.") var cpuPercent = 200
    @Option(help: "Memory limit in MiB.") var memoryMib: UInt64 = 2048
    @Option(help: "Process limit.") var pids = 100
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var vault: VaultOptions
    @OptionGroup var ledger: LedgerOptions
    @Argument(parsing: .postTerminator, help: "The command and its arguments.") var command: [String]

    func run() throws {
        try refuseCoreDumps()
        let layout: CgroupLayout
        do {
            layout = try CgroupLayout.detect()
        } catch {
            printError("sandbox run: \(error)")
            throw ExitStatus.unavailable
        }
        let launcher = AgentLauncher(
            agent: agent, policy: try policy.load(), vault: try vault.open(), ledger: ledger.resolved,
            commandName: "sandbox run")
        let confinement = AgentLauncher.Confinement(
            layout: layout, cgroupParent: cgroupParent,
            limits: CgroupLimits(cpuPercent: cpuPercent, memoryBytes: memoryMib << 20, pids: pids))
        throw ExitCode(try launcher.run(command, confinement: confinement))
    }
}

struct SandboxAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Freeze, thaw or kill every agent at once (the emergency stop's mechanism); prints the time taken.")

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case freeze, thaw, kill
    }

    @Argument(help: "freeze, thaw or kill.") var action: Action
    @Option(help: "The cgroup folder the agents' cgroups are under.") var cgroupParent = "aios"

    func run() throws {
        do {
            let tree = AgentCgroupTree(layout: try CgroupLayout.detect(), parent: cgroupParent)
            let count = tree.processes.count
            switch action {
            case .freeze: print("froze \(count) process(es) in \(try tree.freezeAll())")
            case .thaw:
                try tree.thawAll()
                print("thawed \(count) process(es)")
            case .kill: print("killed \(count) process(es) in \(try tree.killAll())")
            }
        } catch {
            printError("sandbox all: \(error)")
            throw ExitStatus.unavailable
        }
    }
}
