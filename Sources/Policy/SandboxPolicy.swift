import Capabilities

/// Resource limits of one agent's cgroup (spec defaults: CPU 200 %, memory 2 GiB, I/O 100 MiB/s, 100 PIDs).
public struct ResourceLimits: Sendable, Equatable {
    /// Percent of one core (200 = two cores).
    public var cpuPercent: Int
    public var memory: ByteSize
    /// Read and write bandwidth each, per second, on the devices the agent writes to.
    public var ioPerSecond: ByteSize
    public var pids: Int

    public static let spec = ResourceLimits(
        cpuPercent: 200, memory: ByteSize(bytes: 2 << 30), ioPerSecond: ByteSize(bytes: 100 << 20), pids: 100)

    public init(cpuPercent: Int, memory: ByteSize, ioPerSecond: ByteSize, pids: Int) {
        self.cpuPercent = cpuPercent
        self.memory = memory
        self.ioPerSecond = ioPerSecond
        self.pids = pids
    }
}

/// What the watchdog does about an agent (`alert` only records; `restart` starts it again with back-off; `stop`
/// kills it and does not start it again).
public enum WatchdogAction: String, Sendable, Equatable, CaseIterable {
    case alert, restart, stop
}

/// When the watchdog speaks up, and what it does.
public struct WatchdogPolicy: Sendable, Equatable {
    /// CPU use at its quota for this long counts as a runaway loop.
    public var cpuPeggedFor: GrantDuration
    /// Memory or PIDs at this percent of the limit raise an alert before the kernel acts.
    public var nearLimitPercent: Int
    /// For a pegged CPU or a limit nearly reached.
    public var onPressure: WatchdogAction
    /// When the kernel killed a process for memory.
    public var onOOM: WatchdogAction
    /// When the agent's command exited by itself.
    public var onExit: WatchdogAction
    /// The first restart waits this long; each further one twice as long, up to `maximumBackoff`.
    public var backoff: GrantDuration
    public var maximumBackoff: GrantDuration

    public init(
        cpuPeggedFor: GrantDuration, nearLimitPercent: Int, onPressure: WatchdogAction, onOOM: WatchdogAction,
        onExit: WatchdogAction, backoff: GrantDuration, maximumBackoff: GrantDuration
    ) {
        self.cpuPeggedFor = cpuPeggedFor
        self.nearLimitPercent = nearLimitPercent
        self.onPressure = onPressure
        self.onOOM = onOOM
        self.onExit = onExit
        self.backoff = backoff
        self.maximumBackoff = maximumBackoff
    }

    public static let `default` = WatchdogPolicy(
        cpuPeggedFor: .seconds(60), nearLimitPercent: 90, onPressure: .alert, onOOM: .restart, onExit: .restart,
        backoff: .seconds(1), maximumBackoff: .seconds(300))
}

/// How agents are confined: the runtime every agent may read and execute, its scratch space, its limits (per role
/// where the policy says so) and its watchdog.
public struct SandboxPolicy: Sendable, Equatable {
    /// Read and execute for every agent: its executable, libraries, locale and CA files. Paths that do not exist
    /// on a host are skipped.
    public var runtime: [String]
    /// The size of the agent's private `/tmp` (a tmpfs, gone when the agent ends).
    public var scratch: ByteSize
    public var limits: ResourceLimits
    public var roleLimits: [RoleName: ResourceLimits]
    public var watchdog: WatchdogPolicy

    public static let defaultRuntime = [
        "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache", "/etc/ld.so.conf",
        "/etc/ld.so.conf.d", "/etc/ssl/certs", "/etc/ca-certificates", "/etc/localtime", "/etc/nsswitch.conf",
        "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/alternatives",
    ]

    public static let `default` = SandboxPolicy(
        runtime: defaultRuntime, scratch: ByteSize(bytes: 64 << 20), limits: .spec, roleLimits: [:],
        watchdog: .default)

    /// The limits of an agent with these roles: the first role that has its own, else the defaults.
    public func limits(for roles: [RoleName]) -> ResourceLimits {
        roles.lazy.compactMap { roleLimits[$0] }.first ?? limits
    }
}
