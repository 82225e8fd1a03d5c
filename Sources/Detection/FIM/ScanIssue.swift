/// A path the scan could not record as it was listed: it is reported, never a reason to stop.
public struct ScanIssue: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Listed, then gone before it was read.
        case vanished
        /// Replaced, or written while it was being read: its digest would describe no single state of the file.
        case changedDuringScan = "changed_during_scan"
        /// The kernel refused to open or read it.
        case unreadable
        /// A watched path that passes through a symlink: the watch set names the real path instead.
        case symlinkedRoot = "symlinked_root"
    }

    public let kind: Kind
    public let path: [UInt8]
    public let detail: String

    public init(kind: Kind, path: [UInt8], detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }
}

/// A file the walk found and the hashers are still to read: where it is (beneath which open watch root) and the
/// record so far.
struct PendingFile {
    let recordIndex: Int
    let root: Int32
    /// Relative to `root`, NUL-terminated.
    let relative: [CChar]
    let maxHashSize: Int64
}
