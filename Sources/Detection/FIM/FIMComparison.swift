import Policy

/// One difference between the baseline and the file system.
public struct FileChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added, removed, changed
    }

    public let kind: Kind
    public let path: [UInt8]
    /// For `changed`: each attribute that differs, as `name` with `old → new` where that means something.
    public let differences: [Difference]
    /// For `added`: the watched path that is the same file (a new hard link to it), if any.
    public let hardLinkOf: [UInt8]?

    public struct Difference: Sendable, Equatable {
        public let attribute: String
        public let old: String
        public let new: String
    }
}

/// Compares a fresh scan with the baseline, rule by rule. The type and the setuid/setgid bits are compared whatever
/// the rules (a file swapped for a symlink, a setuid bit added with the content unchanged). Paths the scan reported
/// as issues are left out (the issue is the report).
public enum FIMComparison {
    public static func compare(baseline: [FileRecord], scan: FIMScan) -> [FileChange] {
        let skipped = Set(scan.issues.map(\.path))
        var old = 0
        var new = 0
        var changes: [FileChange] = []
        let byInode = Dictionary(
            baseline.filter { $0.kind == .regular }.map { (InodeKey($0), $0.path) },
            uniquingKeysWith: { first, _ in first })
        while old < baseline.count || new < scan.records.count {
            let before = old < baseline.count ? baseline[old] : nil
            let after = new < scan.records.count ? scan.records[new] : nil
            if let before, let after, before.path == after.path {
                let differences = compare(before, after)
                if !differences.isEmpty, !skipped.contains(after.path) {
                    changes.append(
                        FileChange(kind: .changed, path: after.path, differences: differences, hardLinkOf: nil))
                }
                old += 1
                new += 1
            } else if let before, after == nil || before.path.lexicographicallyPrecedes(after!.path) {
                if !skipped.contains(before.path) {
                    changes.append(FileChange(kind: .removed, path: before.path, differences: [], hardLinkOf: nil))
                }
                old += 1
            } else if let after {
                let link = after.kind == .regular ? byInode[InodeKey(after)] : nil
                changes.append(FileChange(kind: .added, path: after.path, differences: [], hardLinkOf: link))
                new += 1
            }
        }
        return changes
    }

    private struct InodeKey: Hashable {
        let device: UInt64
        let inode: UInt64
        init(_ record: FileRecord) {
            device = record.device
            inode = record.inode
        }
    }

    static func compare(_ old: FileRecord, _ new: FileRecord) -> [FileChange.Difference] {
        typealias Difference = FileChange.Difference
        if old.kind != new.kind { return [Difference(attribute: "type", old: old.kind.name, new: new.kind.name)] }
        let rules = old.rules.union(new.rules)
        var found: [Difference] = []
        let octal = { (mode: UInt32) in String(mode, radix: 8).leftPadded(to: 4) }
        for (bit, name) in [(FileRecord.setuid, "setuid"), (FileRecord.setgid, "setgid")]
        where old.mode & bit != new.mode & bit {
            found.append(
                Difference(
                    attribute: name, old: old.mode & bit == 0 ? "off" : "on", new: new.mode & bit == 0 ? "off" : "on"))
        }
        if rules.contains(.mode), old.mode != new.mode {
            found.append(Difference(attribute: "mode", old: octal(old.mode), new: octal(new.mode)))
        }
        if rules.contains(.owner), old.uid != new.uid || old.gid != new.gid {
            found.append(Difference(attribute: "owner", old: "\(old.uid):\(old.gid)", new: "\(new.uid):\(new.gid)"))
        }
        if rules.contains(.content), old.kind == .regular, old.digest != new.digest {
            found.append(Difference(attribute: "content", old: hex(old.digest), new: hex(new.digest)))
        }
        if rules.contains(.size), old.kind != .directory, old.size != new.size {
            found.append(Difference(attribute: "size", old: "\(old.size)", new: "\(new.size)"))
        }
        if rules.contains(.inode), old.device != new.device || old.inode != new.inode {
            found.append(
                Difference(attribute: "inode", old: "\(old.device):\(old.inode)", new: "\(new.device):\(new.inode)"))
        }
        if rules.contains(.links), old.kind != .directory, old.links != new.links {
            found.append(Difference(attribute: "links", old: "\(old.links)", new: "\(new.links)"))
        }
        if rules.contains(.xattrs), old.xattrs != new.xattrs {
            found.append(Difference(attribute: "xattrs", old: hex(old.xattrs), new: hex(new.xattrs)))
        }
        if rules.contains(.caps), old.capabilities != new.capabilities {
            found.append(Difference(attribute: "caps", old: hex(old.capabilities), new: hex(new.capabilities)))
        }
        if rules.contains(.mtime), old.mtimeNanoseconds != new.mtimeNanoseconds {
            found.append(Difference(attribute: "mtime", old: "\(old.mtimeNanoseconds)", new: "\(new.mtimeNanoseconds)"))
        }
        if rules.contains(.target), old.target != new.target {
            found.append(
                Difference(
                    attribute: "target", old: EscapedPath.text(old.target ?? []),
                    new: EscapedPath.text(new.target ?? [])))
        }
        if old.kind == .characterDevice || old.kind == .blockDevice, old.rdev != new.rdev {
            found.append(Difference(attribute: "device", old: "\(old.rdev)", new: "\(new.rdev)"))
        }
        return found
    }

    /// Hex, or `none` (no digest: not hashed, or no attributes).
    static func hex(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "none" }
        return bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
