import Capabilities

/// Everything the kernel holds one agent to on the filesystem, from one source: its `fs:` capabilities and the
/// runtime base set become both the mounts of its private view (what exists) and its Landlock rules (what it may
/// do with what exists). Two layers, so that a mistake in one is caught by the other.
public struct AgentConfinement: Sendable, Equatable {
    public let view: FilesystemView
    public let landlock: [LandlockRule]
    public let network: LandlockNetwork

    /// The agent's private scratch space, a tmpfs.
    public static let scratch = "/tmp"
    /// The host directory every agent's private root is mounted on (each in its own mount namespace).
    public static let defaultViewRoot = "/run/aios-sec/agent-root"
    /// Where hosts keep pathname Unix sockets: masked (an empty read-only tmpfs) wherever a broader grant would
    /// show them, since Landlock before ABI 9 does not mediate connecting to a socket. The host's `/tmp` is hidden
    /// by the scratch, `/dev/shm` by the view's own `/dev`.
    public static let socketDirectories = ["/run", "/var/run", "/var/tmp", "/var/lib/aios"]

    /// `hidden`: more directories to mask like `socketDirectories` (the daemon's and the CLI's state directory);
    /// `identity`: the directory holding the agent's own key and certificate, shown read-only at the same path.
    public init(
        capabilities: [Capability], runtime: [String], scratchBytes: UInt64, daemonSocket: String?,
        identity: String? = nil, hidden: [String] = [], viewRoot: String = defaultViewRoot
    ) {
        var rules = LandlockRule.compile(capabilities, runtime: runtime)
        rules.append(LandlockRule(path: Self.scratch, access: [.read, .write, .mkdir, .delete]))
        if let identity { rules.append(LandlockRule(path: identity, access: .read)) }
        rules.append(LandlockRule(path: "/proc", access: .read))
        landlock = rules
        network = LandlockNetwork.compile(capabilities)

        var mounts = runtime.map { FilesystemView.Mount(.runtime, source: $0, target: $0, optional: true) }
        mounts.append(FilesystemView.Mount(.tmpfs(options: "mode=0755,size=64k,nr_inodes=64"), target: "/dev"))
        for device in LandlockRule.devices.keys.sorted() {
            mounts.append(FilesystemView.Mount(.device, source: device, target: device))
        }
        for (index, name) in ["stdin", "stdout", "stderr"].enumerated() {
            mounts.append(FilesystemView.Mount(.symlink, source: "/proc/self/fd/\(index)", target: "/dev/\(name)"))
        }
        mounts.append(FilesystemView.Mount(.symlink, source: "/proc/self/fd", target: "/dev/fd"))
        mounts.append(FilesystemView.Mount(.proc, target: "/proc"))
        mounts.append(
            FilesystemView.Mount(
                .tmpfs(options: "mode=1777,size=\(scratchBytes),nr_inodes=\(Self.scratchInodes(scratchBytes))"),
                target: Self.scratch))
        // A capability's path, writable when any right changes something there; missing paths grant nothing.
        // After the scratch, so that a grant on the host's /tmp (or below) is not hidden by it.
        let grants = LandlockRule.compile(capabilities, runtime: []).filter { LandlockRule.devices[$0.path] == nil }
        for rule in grants {
            let writable = !rule.access.subtracting(.runtime).isEmpty
            mounts.append(.bind(rule.path, writable: writable, optional: true))
        }
        // Socket directories a grant shows only because it is broader (`fs:read:*` shows /run): masked. A grant of
        // the directory itself, or of a path below it, is bound as granted, on top of any mask.
        for directory in Self.socketDirectories + hidden {
            let covered = grants.contains { $0.path == "/" || directory.hasPrefix($0.path + "/") }
            if covered { mounts.append(FilesystemView.Mount(.mask, target: directory)) }
        }
        // The one socket the agent can reach: the daemon's (its network namespace has no route anywhere).
        if let daemonSocket { mounts.append(.bind(daemonSocket, writable: false)) }
        // Its identity, on top of any mask of /run: renewed certificates appear in it (files are replaced by rename).
        if let identity { mounts.append(.bind(identity, writable: false)) }
        // Parents before children, so a nested mount lands on top of its parent's; otherwise in the order above.
        mounts = mounts.enumerated().sorted {
            ($0.element.target.utf8.count, $0.offset) < ($1.element.target.utf8.count, $1.offset)
        }.map(\.element)
        view = FilesystemView(root: viewRoot, mounts: mounts)
    }

    /// Files the scratch may hold: one per 4 KiB of its size, at least 1,024. Without a limit, empty files (which
    /// take no space) would use kernel memory without bound.
    public static func scratchInodes(_ bytes: UInt64) -> UInt64 { max(1024, bytes / 4096) }
}
