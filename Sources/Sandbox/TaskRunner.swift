import Foundation

/// Runs untrusted work in root Podman with runc: a read-only root, no network unless granted, no capabilities,
/// `no-new-privileges`, a user namespace (task root is an unprivileged host uid), memory, CPU, PID and ulimit
/// limits, a size-limited tmpfs scratch on `/tmp` that dies with the container, a bounded copy of the output, and
/// a timeout that kills the container. Why root podman, and what each flag stops: docs/tasks.md.
public struct TaskRunner: Sendable {
    public let podman: TaskPodman
    /// How long the runner waits for podman to stop a timed-out task before it kills the podman client itself.
    public var stopGrace: Duration = .seconds(10)

    public init(podman: TaskPodman) {
        self.podman = podman
    }

    /// A runner for the `podman` found in PATH.
    public static func locate() throws(TaskError) -> TaskRunner {
        TaskRunner(podman: try TaskPodman.locate())
    }

    /// Every container the runner starts is named `aios-task-<12 hex digits>` (so leftovers are easy to find).
    public static let namePrefix = "aios-task-"

    public static func newContainerName() -> String {
        namePrefix + String(UInt64.random(in: 0..<(1 << 48)), radix: 16).leftPadded(to: 12)
    }

    /// The whole `podman` argument list for `spec` (which should be ``TaskSpec/validated(hostCPUs:)``): pure, the
    /// one place the confinement is decided. `proxyPort`: the network goes through the egress proxy — the container
    /// is only created (`podman create`, started once the proxy's listener is in its namespace), with `--network
    /// none` and the proxy variables; without it a granted network is podman's bridge (the root CLI alone).
    public static func arguments(for spec: TaskSpec, name: String, proxyPort: UInt16? = nil) -> [String] {
        var arguments = [
            proxyPort == nil ? "run" : "create", "--rm", "--name", name, "--runtime", "runc", "--pull", "never",
            "--log-driver", "none",
            // The root is read-only; the writable places are sized tmpfs that die with the container: /tmp (the
            // scratch), /run, and podman's /dev and /dev/shm (noexec). podman's default tmpfs on /run, /tmp and
            // /var/tmp have no size, so they are turned off. tmpfs pages also count against --memory.
            "--read-only", "--read-only-tmpfs=false",
            "--tmpfs", "/tmp:rw,size=\(spec.scratchBytes),mode=1777",
            "--tmpfs", "/run:rw,size=\(runSize),mode=755", "--shm-size", "\(spec.scratchBytes)",
            "--network", spec.network && proxyPort == nil ? "bridge" : "none",
            "--cap-drop", "all", "--security-opt", "no-new-privileges",
            "--uidmap", spec.userNamespace.mapping, "--gidmap", spec.userNamespace.mapping,
            // Explicit ulimits: without them runc fails to apply podman's default nofile here.
            "--ulimit", "nofile=\(spec.nofile):\(spec.nofile)", "--ulimit", "nproc=\(spec.nproc):\(spec.nproc)",
            // memory-swap = memory: no swap on top of the limit.
            "--memory", "\(spec.memoryBytes)", "--memory-swap", "\(spec.memoryBytes)",
            "--cpus", "\(spec.cpus)", "--pids-limit", "\(spec.pids)",
            // A backstop kept by conmon, so the task still ends if this process dies; later than the runner's own
            // timeout, which is the one that reports `timedOut`.
            "--timeout", "\(backstopSeconds(spec.timeout))",
        ]
        if spec.network, let proxyPort {
            arguments += ProxyEnvironment.variables(port: proxyPort).flatMap { ["--env", "\($0.name)=\($0.value)"] }
        }
        switch spec.root {
        case .image(let image): arguments.append(image)
        case .rootfs(let path): arguments += ["--rootfs", path]
        }
        return arguments + spec.command
    }

    /// `/run` only holds podman's `.containerenv` marker.
    static let runSize = 1 << 20

    /// Runs the task (in a container called `name`) to its end or its timeout. `observer` sees every chunk of
    /// output as it arrives (the result keeps at most ``TaskSpec/outputLimit`` bytes of each stream). `egress`: a
    /// granted network goes through it (see ``TaskEgress``). `mayStart`: asked just before the podman client that
    /// runs the command starts — a reason not to start (an emergency stop that came since the task was decided)
    /// throws ``TaskError/refused(_:file:line:)`` and removes what was made. The launch is known to ``killAll()``
    /// from before that question, so a stop either finds it (and cancels or kills it) or is seen by `mayStart`: no
    /// moment lets a task start past a stop. Throws only when the task could not be started; a task that fails, is
    /// killed by a limit or times out is a result.
    public func run(
        _ spec: TaskSpec, name: String = TaskRunner.newContainerName(), egress: (any TaskEgress)? = nil,
        observer: (@Sendable (TaskStream, [UInt8]) -> Void)? = nil, mayStart: (@Sendable () -> String?)? = nil
    ) throws(TaskError) -> TaskResult {
        let spec = try spec.validated()
        guard geteuid() == 0 else { throw .needsRoot() }
        guard name.hasPrefix(Self.namePrefix),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { throw .invalidSpec("container name '\(name)': \(Self.namePrefix) and letters, digits, '-'") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: podman.path)
        let launch = TaskLaunches.Launch(name: name, process: process)
        let exited = launch.exited
        process.terminationHandler = { _ in exited.leave() }
        TaskLaunches.shared.add(launch)
        defer { TaskLaunches.shared.remove(name) }
        let proxied = spec.network ? egress : nil
        if let proxied {
            try createBehindProxy(spec, name: name, egress: proxied)
            process.arguments = ["start", "--attach", name]
        } else {
            process.arguments = Self.arguments(for: spec, name: name)
        }
        defer { proxied?.close(container: name) }
        let output = Pipe()
        let error = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        let start = ContinuousClock.now
        do {
            try launch.start { mayStart?() }
        } catch {
            if proxied != nil { _ = try? podman.call(["rm", "--force", "--ignore", "--time", "0", name]) }
            throw error
        }
        try? output.fileHandleForWriting.close()
        try? error.fileHandleForWriting.close()
        let outputReader = TaskOutputReader(
            descriptor: output.fileHandleForReading.fileDescriptor, stream: .output, limit: spec.outputLimit,
            observer: observer)
        let errorReader = TaskOutputReader(
            descriptor: error.fileHandleForReading.fileDescriptor, stream: .error, limit: spec.outputLimit,
            observer: observer)
        let timedOut = exited.wait(timeout: .now() + .milliseconds(Self.milliseconds(spec.timeout))) == .timedOut
        if timedOut { stop(name, process: process, exited: exited) }
        process.waitUntilExit()
        let duration = ContinuousClock.now - start
        let (kept, total) = outputReader.finish(grace: .seconds(2))
        let (errorKept, errorTotal) = errorReader.finish(grace: .seconds(2))
        return TaskResult(
            exitStatus: TaskPodman.status(of: process), output: kept, errorOutput: errorKept, outputBytes: total,
            errorOutputBytes: errorTotal, timedOut: timedOut, duration: duration, containerName: name)
    }

    /// Creates the container and its namespaces without running its command (`podman create`, `podman init`), then
    /// has `egress` place its listener in the container's network namespace. Anything failing removes the container.
    private func createBehindProxy(_ spec: TaskSpec, name: String, egress: any TaskEgress) throws(TaskError) {
        let created = try podman.call(Self.arguments(for: spec, name: name, proxyPort: egress.port))
        guard created.status == 0 else {
            throw .launch("podman create failed (\(created.status)): \(created.error.prefix(2_000))")
        }
        do {
            let initialized = try podman.callDetached(["init", name])
            guard initialized == 0 else { throw TaskError.launch("podman init \(name) failed (\(initialized))") }
            let inspected = try podman.call(["inspect", "--format", "{{.State.Pid}}", name])
            guard let pid = Int32(inspected.output.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
                throw TaskError.launch("podman inspect gave no process for \(name): \(inspected.error.prefix(2_000))")
            }
            do {
                try egress.open(container: name, pid: pid)
            } catch {
                throw TaskError.launch("the egress proxy cannot serve \(name): \(error)")
            }
        } catch {
            egress.close(container: name)
            _ = try? podman.call(["rm", "--force", "--ignore", "--time", "0", name])
            throw error as? TaskError ?? .launch("\(error)")
        }
    }

    /// Kills the named container (SIGKILL) and removes it, until the podman client exits; if it does not within
    /// ``stopGrace`` (the container may not have existed yet when the first kill came), the client is killed and
    /// the container removed once more.
    /// `exited` is left when the client exits (every waiter sees it: the run waiting for its task, and a stop).
    func stop(_ name: String, process: Process, exited: DispatchGroup) {
        let deadline = ContinuousClock.now + stopGrace
        repeat {
            _ = try? podman.call(["kill", name])
            _ = try? podman.call(["rm", "--force", "--ignore", "--time", "0", name])
            if exited.wait(timeout: .now() + .milliseconds(250)) == .success { return }
        } while ContinuousClock.now < deadline
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        exited.wait()
        _ = try? podman.call(["rm", "--force", "--ignore", "--time", "0", name])
    }

    /// The timeout in whole seconds, rounded up, plus ``backstopMargin``.
    static func backstopSeconds(_ timeout: Duration) -> Int {
        (milliseconds(timeout) + 999) / 1000 + backstopMargin
    }

    static let backstopMargin = 10

    /// Whole milliseconds, at most 400 days (DispatchTime counts nanoseconds in 64 bits).
    static func milliseconds(_ duration: Duration) -> Int {
        let value = (duration / .milliseconds(1)).rounded(.up)
        return value >= 400 * 86_400_000 ? 400 * 86_400_000 : max(Int(value), 0)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
