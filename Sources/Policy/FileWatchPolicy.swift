/// The file-integrity watch set (`ids.files:` in policy YAML): which paths the baseline covers and which attributes
/// of each are compared. A file's type and its setuid/setgid bits are always compared, whatever the rules say.
public struct FileWatchPolicy: Sendable, Equatable, Codable {
    public var entries: [FileWatch]

    public init(entries: [FileWatch]) {
        self.entries = entries
    }

    /// The system's binaries and configuration: what an intruder replaces to keep access (a patched sshd, a new
    /// setuid shell, a key in root's authorized_keys, a unit that starts a backdoor, a crontab line). `/etc` holds
    /// the accounts, sudoers, PAM, sshd, cron and systemd configuration whose changes are privilege-escalation
    /// alerts in the real-time watch. A path that does not exist is skipped.
    public static let `default` = FileWatchPolicy(entries: [
        FileWatch(path: "/etc", rules: .full, exclude: ["/etc/mtab", "/etc/adjtime", "/etc/ld.so.cache"]),
        FileWatch(path: "/usr/bin", rules: .full),
        FileWatch(path: "/usr/sbin", rules: .full),
        FileWatch(path: "/usr/local/bin", rules: .full),
        FileWatch(path: "/usr/local/sbin", rules: .full),
        FileWatch(path: "/usr/lib/systemd/system", rules: .full),
        FileWatch(path: "/usr/local/lib/systemd/system", rules: .full),
        // Per-user crontabs: a line added to root's runs as root.
        FileWatch(path: "/var/spool/cron", rules: .full),
        FileWatch(path: "/root/.ssh", rules: .full),
    ])
}

/// One watched path (a directory is watched with everything beneath it on the same file system) and its rules.
public struct FileWatch: Sendable, Equatable, Codable {
    /// Absolute, without `.`, `..`, `//` or a trailing `/`.
    public var path: String
    public var rules: FileRules
    /// Absolute paths beneath ``path`` left out, each with everything beneath it.
    public var exclude: [String]
    /// Regular files larger than this are compared by their metadata only (their content is not hashed).
    public var maxHashSize: Int64

    /// 64 GiB: larger than any binary or configuration file, small enough that a sparse file cannot make a check
    /// read for hours.
    public static let defaultMaxHashSize: Int64 = 64 << 30

    public init(path: String, rules: FileRules, exclude: [String] = [], maxHashSize: Int64 = defaultMaxHashSize) {
        self.path = path
        self.rules = rules
        self.exclude = exclude
        self.maxHashSize = maxHashSize
    }
}

/// Attributes compared between the baseline and the file system (AIDE's rule letters, by name).
public struct FileRules: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// SHA-256 of a regular file's bytes.
    public static let content = FileRules(rawValue: 1 << 0)
    /// Permission bits (the setuid, setgid and sticky bits are always compared).
    public static let mode = FileRules(rawValue: 1 << 1)
    /// Owner and group.
    public static let owner = FileRules(rawValue: 1 << 2)
    public static let size = FileRules(rawValue: 1 << 3)
    /// Device and inode number: the same name now refers to another file.
    public static let inode = FileRules(rawValue: 1 << 4)
    /// Hard-link count of non-directories: a new link to the file, anywhere on its file system.
    public static let links = FileRules(rawValue: 1 << 5)
    /// Extended attributes other than file capabilities (SELinux labels, ACLs, `user.*`).
    public static let xattrs = FileRules(rawValue: 1 << 6)
    /// File capabilities (`security.capability`).
    public static let caps = FileRules(rawValue: 1 << 7)
    /// Modification time (off in the named sets: the content hash sees an edit whose time was put back).
    public static let mtime = FileRules(rawValue: 1 << 8)
    /// A symbolic link's target.
    public static let target = FileRules(rawValue: 1 << 9)

    /// Everything but the modification time.
    public static let full: FileRules = [.content, .mode, .owner, .size, .inode, .links, .xattrs, .caps, .target]
    /// Everything but the content and what changes when content is written (size): for logs and other files
    /// that grow.
    public static let permissions: FileRules = [.mode, .owner, .inode, .xattrs, .caps, .target]

    /// Rule names as written in policy YAML, in display order.
    public static let names: [(name: String, rules: FileRules)] = [
        ("content", .content), ("mode", .mode), ("owner", .owner), ("size", .size), ("inode", .inode),
        ("links", .links), ("xattrs", .xattrs), ("caps", .caps), ("mtime", .mtime), ("target", .target),
    ]
    /// Named sets.
    public static let sets: [(name: String, rules: FileRules)] = [("full", .full), ("permissions", .permissions)]

    /// The rule names set, in display order.
    public var nameList: [String] { Self.names.filter { contains($0.rules) }.map(\.name) }
}
