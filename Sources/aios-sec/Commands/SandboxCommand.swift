import Agents
import ArgumentParser
import Foundation
import Policy
import Sandbox

struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "Run agents confined by the kernel; freeze or kill all of them at once.",
        subcommands: [SandboxRunCommand.self, SandboxAllCommand.self, SandboxAppArmorCommand.self])
}

struct SandboxRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command as an agent: its uid, its keyring, its cgroup limits, Landlock from its fs: rights.",
        discussion: """
            The command joins a cgroup of its own with its role's limits from the policy (CPU, memory, I/O, PIDs;
            cgroup v2 or v1, whichever the kernel has) before exec, and gets: the agent's secret copies in its
            session keyring; PID, mount, network, IPC and UTS namespaces of its own; a private filesystem holding
            only the policy's runtime, its fs: grants, /dev basics, its own /proc, a scratch /tmp and (with
            --daemon-socket) the daemon's socket; no_new_privs; Landlock rules from its fs: capabilities; its uid;
            the seccomp filter. If any of it cannot be applied, nothing runs and the refusal is recorded. Needs
            root. Exits with the command's status.
            """)

    @Option(help: "The agent.") var agent: String
    @Option(help: "The cgroup folder the agent's cgroup goes under.") var cgroupParent = "aios"
    @Option(help: "The daemon's Unix socket, bound into the agent's view (the one socket it can reach).")
    var daemonSocket: String?
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
        let run = AgentRun(
            policy: try policy.load(), vault: try vault.open(), ledger: ledger.resolved, commandName: "sandbox run",
            confinement: AgentSpawner.Confinement(
                layout: layout, cgroupParent: cgroupParent, daemonSocket: daemonSocket,
                hidden: [URL(fileURLWithPath: ledger.state.resolved).standardizedFileURL.path]))
        throw ExitCode(try run.run(agent: agent, command: command))
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
