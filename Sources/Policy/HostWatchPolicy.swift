import Capabilities

/// What the host IDS does about processes (`ids.processes:` in policy YAML).
public struct ProcessWatchPolicy: Sendable, Equatable {
    /// What a finding against an agent does beyond its `security_alert`.
    public enum Response: String, Sendable, Equatable, CaseIterable {
        /// Record only.
        case alert
        /// Freeze every cgroup of the offending agent (it stays frozen until it is stopped).
        case freeze
    }

    /// A process started while the IDS runs and still alive this long, outside every systemd unit, agent cgroup
    /// and ``knownCgroups`` entry, is reported once; nil: never.
    public var longRunningAfter: GrantDuration?
    /// Cgroup paths (absolute, e.g. `/process_api`) whose processes are known to the operator, with everything
    /// below them.
    public var knownCgroups: [String]
    /// Programs (absolute paths, as `/proc/PID/exe` names them) whose change of a non-root user to root is
    /// expected (`sudo` for operators). Never applies to an agent's uid.
    public var allowedEscalations: [String]
    public var response: Response
    /// The most processes followed at once (uid before a change, start of a long runner); past it they are
    /// counted as untracked.
    public var trackedProcesses: Int

    public init(
        longRunningAfter: GrantDuration? = .seconds(600), knownCgroups: [String] = [],
        allowedEscalations: [String] = [], response: Response = .alert, trackedProcesses: Int = 65_536
    ) {
        self.longRunningAfter = longRunningAfter
        self.knownCgroups = knownCgroups
        self.allowedEscalations = allowedEscalations
        self.response = response
        self.trackedProcesses = trackedProcesses
    }

    public static let `default` = ProcessWatchPolicy()
}

/// What the host IDS does about the kernel (`ids.kernel:` in policy YAML).
public struct KernelWatchPolicy: Sendable, Equatable {
    /// Set `kernel.modules_disabled` to 1 when the daemon starts: no module can be loaded or removed until the
    /// next boot. One-way: the kernel refuses to set it back to 0.
    public var modulesDisabled: Bool
    /// How often `/proc/modules` is compared with the last reading.
    public var modulesPollInterval: GrantDuration

    public init(modulesDisabled: Bool = false, modulesPollInterval: GrantDuration = .seconds(5)) {
        self.modulesDisabled = modulesDisabled
        self.modulesPollInterval = modulesPollInterval
    }

    public static let `default` = KernelWatchPolicy()
}
