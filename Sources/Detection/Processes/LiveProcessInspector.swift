import CFileIntegrity

#if canImport(Glibc)
import Glibc
#endif

/// Facts from the live `/proc` (of the initial PID namespace: the proc connector's numbers). The program's file is
/// examined through `/proc/PID/exe` itself — `stat`, `statvfs` and `getxattr` follow the kernel's link to the very
/// file the process runs, even when its name is gone or now names another file.
public struct LiveProcessInspector: ProcessInspector {
    public let root: String

    public init(root: String = "/proc") { self.root = root }

    public func facts(of pid: Int32) -> ProcessFacts? {
        let base = "\(root)/\(pid)/"
        // argv perishes first (a short program exits within a millisecond): read before anything else.
        let cmdline = ProcFileSystem.read(base + "cmdline", limit: BoundedArgv.maximumBytes + 1)
        guard let status = ProcFileSystem.read(base + "status", limit: 8192) else { return nil }
        var facts = ProcessFacts(pid: pid, parent: 0, realUID: 0, effectiveUID: 0)
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard words.count >= 3 else {
                if words.count == 2, words[0] == "PPid:" { facts.parent = Int32(words[1]) ?? 0 }
                continue
            }
            switch words[0] {
            case "Uid:":
                facts.realUID = UInt32(words[1]) ?? 0
                facts.effectiveUID = UInt32(words[2]) ?? 0
            case "Gid:":
                facts.realGID = UInt32(words[1]) ?? 0
                facts.effectiveGID = UInt32(words[2]) ?? 0
            default: break
            }
        }
        if let bytes = cmdline { facts.argv = BoundedArgv(cmdline: bytes[...]) }
        if let cgroup = ProcFileSystem.read(base + "cgroup", limit: 8192) {
            facts.cgroups = cgroup.split(separator: UInt8(ascii: "\n")).map { BoundedArgv.escape($0) }
        }
        let (path, marked) = Self.link(base + "exe")
        facts.executable = path
        if path != nil { facts.file = Self.examine(base + "exe", name: path, markedDeleted: marked) }
        return facts
    }

    public func pids() -> [Int32] {
        guard let directory = opendir(root) else { return [] }
        defer { closedir(directory) }
        var found: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let pid = Int32(name), pid > 0 { found.append(pid) }
        }
        return found
    }

    public func mayRunDeletedFile(_ pid: Int32) -> Bool { Self.link("\(root)/\(pid)/exe").1 }

    /// The link's target, escaped, without the kernel's ` (deleted)` mark, and whether the mark was there.
    static func link(_ path: String) -> (String?, Bool) {
        var target = [UInt8](repeating: 0, count: 4097)
        let length = target.withUnsafeMutableBytes { readlink(path, $0.baseAddress!, 4096) }
        guard length > 0 else { return (nil, false) }
        var bytes = target[0..<length]
        let mark = Array(" (deleted)".utf8)
        let marked = bytes.count > mark.count && bytes.suffix(mark.count).elementsEqual(mark)
        if marked { bytes = bytes.dropLast(mark.count) }
        return (BoundedArgv.escape(bytes), marked)
    }

    /// The file behind `/proc/PID/exe`. Deleted: no link left (`st_nlink` 0), or the kernel marked the name
    /// deleted and the name now leads elsewhere or nowhere (a `memfd`, a file replaced after the exec).
    static func examine(_ exe: String, name: String?, markedDeleted: Bool) -> ExecutableFile? {
        var info = stat()
        guard stat(exe, &info) == 0 else { return nil }
        var file = ExecutableFile(
            setuid: info.st_mode & S_ISUID != 0, setgid: info.st_mode & S_ISGID != 0 && info.st_mode & S_IXGRP != 0,
            capabilities: getxattr(exe, "security.capability", nil, 0) >= 0, owner: info.st_uid)
        file.deleted = info.st_nlink == 0
        if markedDeleted && !file.deleted {
            var named = stat()
            file.deleted =
                name.map { stat($0, &named) != 0 || named.st_dev != info.st_dev || named.st_ino != info.st_ino }
                ?? true
        }
        var volume = statvfs()
        // ST_NOEXEC (8): glibc declares it in an enum Swift does not import.
        if statvfs(exe, &volume) == 0 { file.onNoexecMount = volume.f_flag & 8 != 0 }
        return file
    }
}
