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

    public init(
        capabilities: [Capability], runtime: [String], scratchBytes: UInt64, daemonSocket: String?,
        viewRoot: String = defaultViewRoot
    ) {
        var rules = LandlockRule.compile(capabilities, runtime: runtime)
        rules.append(LandlockRule(path: Self.scratch, access: [.read, .write, .mkdir, .delete]))
        rules.append(LandlockRule(path: "/proc", access: .read))
        landlock = rules
        network = LandlockNetwork.compile(capabilities)

        var mounts = runtime.map { FilesystemView.Mount.bind($0, writable: false, optional: true) }
        mounts.append(FilesystemView.Mount(.tmpfs(options: "mode=0755,size=64k"), target: "/dev"))
        for device in LandlockRule.devices.keys.sorted() {
            mounts.append(FilesystemView.Mount(.device, source: device, target: device))
        }
        for (index, name) in ["stdin", "stdout", "stderr"].enumerated() {
            mounts.append(FilesystemView.Mount(.symlink, source: "/proc/self/fd/\(index)", target: "/dev/\(name)"))
        }
        mounts.append(FilesystemView.Mount(.symlink, source: "/proc/self/fd", target: "/dev/fd"))
        mounts.append(FilesystemView.Mount(.proc, target: "/proc"))
        mounts.append(FilesystemView.Mount(.tmpfs(options: "mode=1777,size=\(scratchBytes)"), target: Self.scratch))
        // A capability's path, writable when any right changes something there; missing paths grant nothing.
        // After the scratch, so that a grant on the host's /tmp (or below) is not hidden by it.
        for rule in LandlockRule.compile(capabilities, runtime: []) where LandlockRule.devices[rule.path] == nil {
            let writable = !rule.access.subtracting(.runtime).isEmpty
            mounts.append(.bind(rule.path, writable: writable, optional: true))
        }
        // The one socket the agent can reach: the daemon's (its network namespace has no route anywhere).
        if let daemonSocket { mounts.append(.bind(daemonSocket, writable: false)) }
        // Parents before children, so a nested mount lands on top of its parent's; otherwise in the order above.
        mounts = mounts.enumerated().sorted {
            ($0.element.target.utf8.count, $0.offset) < ($1.element.target.utf8.count, $1.offset)
        }.map(\.element)
        view = FilesystemView(root: viewRoot, mounts: mounts)
    }
}
