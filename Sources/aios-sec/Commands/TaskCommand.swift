import Agents
import ArgumentParser
import Audit
import Capabilities
import Foundation
import Sandbox

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Run untrusted work in Podman: read-only root, no network, limits, a user namespace; audited.",
        subcommands: [TaskRunCommand.self, TaskImageCommand.self])
}

struct TaskRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in a confined container; its output passes through, its exit status is ours.",
        discussion: """
            Root podman with runc: read-only root, no network unless --network, --cap-drop all, \
            no-new-privileges, task root mapped to an unprivileged host uid, memory/CPU/PID/ulimit limits and a \
            sized tmpfs scratch on /tmp that is destroyed with the task. Needs root.

            Exits with the task's status, 124 when the timeout killed it (like timeout(1)), 125 when podman \
            failed. Each run is recorded in the ledger before it starts (task.start) and when it ends (task.run: \
            status, duration, byte counts, never the output). See docs/tasks.md.
            """)

    @Flag(help: "Give the task podman's bridge network (default: none, only lo).") var network = false
    @Option(help: "Memory limit, e.g. 256m or 1g (at least 6m).") var memory = "512m"
    @Option(help: "CPU limit in cores, e.g. 0.5 or 2.") var cpus: Double = 1
    @Option(help: "Process limit (the container's pids.max).") var pids = 64
    @Option(help: "Kill the task after this long, e.g. 30s, 5m, 1h30m.") var timeout = "5m"
    @Option(help: "Open files limit (ulimit nofile).") var nofile = 1024
    @Option(help: "Processes limit of the task's uid (ulimit nproc).") var nproc = 64
    @Option(help: "Size of the scratch tmpfs on /tmp, e.g. 64m.") var scratch = "64m"
    @Option(help: "A root filesystem directory, used read-only in place.") var rootfs: String?
    @Option(help: "A local image (\(TaskImage.baseName) is built when missing; nothing is pulled).")
    var image: String?
    @Option(help: "The agent the task runs for, as the audit entries name it.") var agent = "aios-sec"
    @Option(help: "The task id the audit entries carry.") var taskId: String?
    @OptionGroup var ledger: LedgerOptions
    @Argument(parsing: .postTerminator, help: "The command and its arguments (after --).") var command: [String] = []

    func validate() throws {
        guard (rootfs == nil) != (image == nil) else { throw ValidationError("give exactly one of --rootfs, --image") }
        guard !command.isEmpty else { throw ValidationError("no command: put it after --") }
        for (name, value) in [("--memory", memory), ("--scratch", scratch)] {
            do {
                _ = try ByteSize(parsing: value)
            } catch {
                throw ValidationError("\(name): \(error)")
            }
        }
        do {
            _ = try GrantDuration(parsing: timeout)
        } catch {
            throw ValidationError("--timeout: \(error)")
        }
    }

    /// The spec as given (sizes and the duration were checked in `validate()`; the limits are checked by
    /// `TaskSpec.validated()`).
    func spec() -> TaskSpec {
        TaskSpec(
            command: command, root: rootfs.map { .rootfs($0) } ?? .image(image ?? TaskImage.baseName),
            network: network, memoryBytes: (try? ByteSize(parsing: memory))?.bytes ?? 0, cpus: cpus, pids: pids,
            timeout: .milliseconds((try? GrantDuration(parsing: timeout))?.milliseconds ?? 0),
            nofile: nofile, nproc: nproc, scratchBytes: (try? ByteSize(parsing: scratch))?.bytes ?? 0)
    }

    func run() throws {
        let spec = try taskCall { () throws(TaskError) in try self.spec().validated() }
        let audit = TaskAudit(agent: agent, taskID: taskId, ledger: ledger.resolved, spec: spec)
        let runner: TaskRunner
        do {
            guard geteuid() == 0 else { throw TaskError.needsRoot() }
            runner = try TaskRunner.locate()
            if spec.root == .image(TaskImage.baseName) { try TaskImage.ensureBase(podman: runner.podman) }
        } catch {
            try audit.recordFailure("\(error)")
            throw taskExit(error)
        }
        // Recorded before the task starts: a ledger that cannot be written stops it here (exit 69).
        let name = TaskRunner.newContainerName()
        try audit.recordStart(container: name)
        let result: TaskResult
        do {
            result = try runner.run(spec, name: name) { stream, chunk in
                (stream == .output ? FileHandle.standardOutput : FileHandle.standardError).write(Data(chunk))
            }
        } catch {
            try audit.recordFailure("\(error)", container: name)
            throw taskExit(error)
        }
        try audit.recordEnd(result)
        if result.timedOut { printError("task run: timed out after \(timeout); killed \(result.containerName)") }
        throw ExitCode(result.timedOut ? 124 : result.exitStatus)
    }
}

struct TaskImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "The task base image.", subcommands: [TaskImageBuildCommand.self])
}

struct TaskImageBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build \(TaskImage.baseName) from busybox-static (no registry needed); nothing if it exists.")

    @Option(help: "The busybox-static executable.") var busybox = TaskImage.defaultBusybox
    @Option(help: "Also write the root filesystem to this directory (usable with task run --rootfs).")
    var rootfs: String?

    func run() throws {
        try taskCall { () throws(TaskError) in
            if let rootfs {
                try TaskImage.buildRootfs(at: rootfs, busybox: busybox)
                print("rootfs written to \(rootfs)")
            }
            let built = try TaskImage.ensureBase(podman: try TaskPodman.locate(), busybox: busybox)
            print(built ? "built \(TaskImage.baseName)" : "\(TaskImage.baseName) already present")
        }
    }
}

/// The ledger entries of one task run (`tool_call`): `task.start` before it runs, `task.run` with how it ended —
/// the limits, the status, the duration and byte counts, never the output itself.
/// Records a CLI task run in the ledger at STATE/audit.
struct TaskAudit {
    let record: TaskRecord
    let ledger: String

    init(agent: String, taskID: String?, ledger: String, spec: TaskSpec) {
        record = TaskRecord(agent: agent, taskID: taskID, spec: spec)
        self.ledger = ledger
    }

    func recordStart(container: String) throws {
        try AuditTrail.record([record.start(container: container)], ledger: ledger)
    }
    func recordEnd(_ result: TaskResult) throws { try AuditTrail.record([record.end(result)], ledger: ledger) }
    func recordFailure(_ reason: String, container: String? = nil) throws {
        try AuditTrail.record([record.failure(reason, container: container)], ledger: ledger)
    }
}

/// Runs a task-runner call; its error is printed and becomes the exit status.
func taskCall<T>(_ body: () throws(TaskError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw taskExit(error)
    }
}

/// Prints the error; 64 for a bad spec, 77 without root, 69 when podman or a tool is missing or fails to start.
func taskExit(_ error: any Error) -> ExitCode {
    printError("task: \(error)")
    guard let error = error as? TaskError else { return ExitStatus.unavailable }
    if error.isInvalidSpec { return ExitStatus.usage }
    if error.isNeedsRoot { return ExitStatus.noPermission }
    return ExitStatus.unavailable
}
