/// What a task's root filesystem is: a local image (built with ``TaskImage`` or `podman import`; never pulled) or
/// a directory used in place (`podman run --rootfs DIR`).
public enum TaskRoot: Hashable, Sendable, CustomStringConvertible {
    case image(String)
    case rootfs(String)

    public var description: String {
        switch self {
        case .image(let name): name
        case .rootfs(let path): path
        }
    }

    /// `image` or `rootfs`.
    public var kind: String {
        switch self {
        case .image: "image"
        case .rootfs: "rootfs"
        }
    }
}

/// The user namespace a task runs in: container uids `0..<size` are host uids `hostBase..<hostBase + size`, so
/// root in the task is an unprivileged, unnamed uid on the host. The default range starts at 0x70000000, a range
/// systemd leaves unused (its container ranges end at 0x6FFFFFFF), far from login users, /etc/subuid ranges
/// (from 100000) and the agents' uids (from 61000).
public struct TaskUserNamespace: Hashable, Sendable {
    public var hostBase: UInt32
    public var size: UInt32

    public static let defaultHostBase: UInt32 = 0x7000_0000

    public init(hostBase: UInt32 = TaskUserNamespace.defaultHostBase, size: UInt32 = 65_536) {
        self.hostBase = hostBase
        self.size = size
    }

    /// `0:BASE:SIZE`, the form podman's `--uidmap` and `--gidmap` take.
    public var mapping: String { "0:\(hostBase):\(size)" }
}

/// One untrusted task: what to run, on which root, and the limits podman applies to it.
public struct TaskSpec: Hashable, Sendable {
    /// The command and its arguments, run as-is (no shell unless it names one).
    public var command: [String]
    public var root: TaskRoot
    /// Off unless granted: the task sees only `lo` (`--network none`); on, podman's default bridge.
    public var network: Bool
    public var memoryBytes: UInt64
    public var cpus: Double
    public var pids: Int
    public var timeout: Duration
    public var nofile: Int
    public var nproc: Int
    /// The size of the task's writable scratch, a tmpfs on `/tmp` destroyed with the task.
    public var scratchBytes: UInt64
    /// How much of each stream the result keeps (the rest is counted and streamed, not kept).
    public var outputLimit: Int
    public var userNamespace: TaskUserNamespace

    public init(
        command: [String], root: TaskRoot, network: Bool = false, memoryBytes: UInt64 = 512 << 20,
        cpus: Double = 1, pids: Int = 64, timeout: Duration = .seconds(300), nofile: Int = 1024, nproc: Int = 64,
        scratchBytes: UInt64 = 64 << 20, outputLimit: Int = 1 << 20, userNamespace: TaskUserNamespace = .init()
    ) {
        self.command = command
        self.root = root
        self.network = network
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.pids = pids
        self.timeout = timeout
        self.nofile = nofile
        self.nproc = nproc
        self.scratchBytes = scratchBytes
        self.outputLimit = outputLimit
        self.userNamespace = userNamespace
    }

    /// podman refuses less than 6 MiB of memory.
    public static let minimumMemory: UInt64 = 6 << 20
}
