/// What the host IDS reads about one process when the kernel reports it (an exec, a uid change): who it is, where it
/// runs, what it runs. Read from `/proc` at once — a process that exits takes all of it with it — so any field may
/// be missing for a short-lived one.
public struct ProcessFacts: Hashable, Sendable {
    public var pid: Int32
    public var parent: Int32
    public var realUID: UInt32
    public var effectiveUID: UInt32
    public var realGID: UInt32
    public var effectiveGID: UInt32
    /// `/proc/PID/cgroup`: one path per hierarchy (`0::/aios/agent-…`, `6:freezer:/aios/agent-…`).
    public var cgroups: [String]
    public var argv: BoundedArgv?
    /// The program's path as the kernel names it (`/proc/PID/exe`, escaped like argv; `(deleted)` removed), nil for
    /// a kernel thread or when it could not be read.
    public var executable: String?
    /// What the program's file is (read through `/proc/PID/exe`, so the file the process runs, not whatever has
    /// its name now).
    public var file: ExecutableFile?

    public init(
        pid: Int32, parent: Int32, realUID: UInt32, effectiveUID: UInt32, realGID: UInt32 = 0,
        effectiveGID: UInt32 = 0, cgroups: [String] = [], argv: BoundedArgv? = nil, executable: String? = nil,
        file: ExecutableFile? = nil
    ) {
        self.pid = pid
        self.parent = parent
        self.realUID = realUID
        self.effectiveUID = effectiveUID
        self.realGID = realGID
        self.effectiveGID = effectiveGID
        self.cgroups = cgroups
        self.argv = argv
        self.executable = executable
        self.file = file
    }

    /// Root in any of its real or effective ids.
    public var isRoot: Bool { realUID == 0 || effectiveUID == 0 }
}

/// The file a process runs, as the kernel holds it.
public struct ExecutableFile: Hashable, Sendable {
    /// No name leads to it any more (unlinked after the exec, or a `memfd`): the program on disk cannot be checked.
    public var deleted: Bool
    /// It lies on a file system mounted `noexec` (run through the dynamic loader, or the mount changed after the
    /// exec).
    public var onNoexecMount: Bool
    public var setuid: Bool
    public var setgid: Bool
    /// It carries file capabilities (`security.capability`).
    public var capabilities: Bool
    public var owner: UInt32

    public init(
        deleted: Bool = false, onNoexecMount: Bool = false, setuid: Bool = false, setgid: Bool = false,
        capabilities: Bool = false, owner: UInt32 = 0
    ) {
        self.deleted = deleted
        self.onNoexecMount = onNoexecMount
        self.setuid = setuid
        self.setgid = setgid
        self.capabilities = capabilities
        self.owner = owner
    }

    /// Running it can raise privileges (for a process without `no_new_privs`).
    public var raisesPrivileges: Bool { setuid || setgid || capabilities }
}

/// Where facts come from: `/proc` on a live system, a table in tests.
public protocol ProcessInspector: Sendable {
    /// nil when the process is gone.
    func facts(of pid: Int32) -> ProcessFacts?
    /// Every process now.
    func pids() -> [Int32]
    /// Whether the process's program is marked deleted (a cheap first look; ``facts(of:)`` tells for sure).
    func mayRunDeletedFile(_ pid: Int32) -> Bool
}
