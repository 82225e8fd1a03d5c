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
        public enum Kind: Sendable, Equatable {
            /// The host path at the same place, read-only (a symbolic link is recreated as the same link).
            case readOnly
            case readWrite
            /// A device node, bound with device access kept.
            case device
            /// A fresh tmpfs with these mount options (e.g. `size=64m,mode=1777`): the agent's scratch.
            case tmpfs(options: String)
            /// procfs of the agent's PID namespace: only its own processes.
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
            case .tmpfs: kind = AIOS_MOUNT_TMPFS
            case .proc: kind = AIOS_MOUNT_PROC
            case .symlink: kind = AIOS_MOUNT_SYMLINK
            }
            return Int32(kind.rawValue)
        }

        var options: String? {
            if case .tmpfs(let options) = kind { return options }
            return nil
        }
    }
}
