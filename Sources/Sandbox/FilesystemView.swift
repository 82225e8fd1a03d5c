import CLauncher

/// The filesystem an agent sees: a private tmpfs root holding only these mounts, entered with pivot_root in a
/// mount namespace of its own. What is not listed does not exist for the agent, which also hides pathname Unix
/// sockets that Landlock (ABI < 9) does not mediate.
public struct FilesystemView: Sendable, Equatable {
    /// An empty host directory the private root is mounted on (inside the agent's mount namespace only).
    public var root: String
    public var mounts: [Mount]

    public init(root: String, mounts: [Mount]) {
        self.root = root
        self.mounts = mounts
    }

    public struct Mount: Sendable, Equatable {
        /// Binds are made by descriptor from a source resolved without following symbolic links (only a link as
        /// the last component is recreated as the same link), onto a mount point resolved the same way; any other
        /// link fails the launch. Every mount a bind brings along (its submounts) gets the bind's flags.
        public enum Kind: Sendable, Equatable {
            /// The host path at the same place, read-only, nosuid, nodev, noexec.
            case readOnly
            /// The same, writable (still nosuid, nodev, noexec).
            case readWrite
            /// Read-only, nosuid, nodev, but programs may run from it: the policy's runtime.
            case runtime
            /// An empty read-only tmpfs over a directory that a broader bind would show (host sockets live there).
            /// Skipped where the path does not exist or is a symbolic link.
            case mask
            /// A device node, bound with device access kept.
            case device
            /// A fresh tmpfs with these mount options (e.g. `size=64m,mode=1777`): the agent's scratch.
            case tmpfs(options: String)
            /// procfs of the agent's PID namespace, showing only the agent's own processes (`hidepid=2`: not its
            /// PID 1, which runs as root and holds the launcher's command line).
            case proc
            /// A symbolic link to `source`.
            case symlink
        }

        public var kind: Kind
        public var source: String
        public var target: String
        /// A missing source is skipped instead of failing the launch (runtime paths that differ between hosts).
        public var optional: Bool

        public init(_ kind: Kind, source: String = "", target: String, optional: Bool = false) {
            self.kind = kind
            self.source = source
            self.target = target
            self.optional = optional
        }

        /// The host path bound at the same path inside the view.
        public static func bind(_ path: String, writable: Bool, optional: Bool = false) -> Mount {
            Mount(writable ? .readWrite : .readOnly, source: path, target: path, optional: optional)
        }

        var cKind: Int32 {
            let kind: aios_mount_kind
            switch self.kind {
            case .readOnly: kind = AIOS_MOUNT_BIND_READ_ONLY
            case .readWrite: kind = AIOS_MOUNT_BIND_READ_WRITE
            case .device: kind = AIOS_MOUNT_BIND_DEVICE
            case .runtime: kind = AIOS_MOUNT_BIND_EXECUTABLE
            case .mask: kind = AIOS_MOUNT_MASK
            case .tmpfs: kind = AIOS_MOUNT_TMPFS
            case .proc: kind = AIOS_MOUNT_PROC
            case .symlink: kind = AIOS_MOUNT_SYMLINK
            }
            return Int32(kind.rawValue)
        }

        var options: String? {
            switch kind {
            case .tmpfs(let options): options
            case .mask: "mode=0755,size=16k,nr_inodes=64"
            case .proc: "hidepid=2"
            default: nil
            }
        }
    }
}
