import Capabilities
import Foundation
import Glibc

/// The daemon's own state, which no capability reaches: computed once at start from the real directories (after
/// resolving symlinks, so `./.aios` and `/var/lib/aios` are protected alike), and applied to every decision as a
/// deny no allow overrides. The Gate refuses requests that name one of these paths; the Broker's kernel layer hides
/// them (and all of `/proc`, `/sys` and `/dev`) from the thread that acts, so a path that reaches them another way —
/// a relative symlink, a hard link, a bind mount — finds nothing either.
public struct ProtectedPaths: Sendable, Equatable {
    /// Absolute, normalised, symlinks resolved where the path exists; sorted.
    public let paths: [String]
    /// The daemon's pid: its `/proc/<pid>` (and `/proc/self`, `/proc/thread-self`, its threads' `/proc/<tid>`).
    let daemonPID: Int32

    /// Always protected, whatever the state directory: the product's system-wide state and configuration, and
    /// where running agents' keys are (each agent sees only its own, read-only, in its view).
    public static let system = ["/var/lib/aios", "/etc/aios"] + AgentIdentities.candidates
    /// What the Broker never serves, beyond `paths`: kernel interfaces and devices are not files an agent's tool
    /// call reads or writes, and the daemon's own `/proc` holds its environment and descriptors.
    public static let kernelInterfaces = ["/proc", "/sys", "/dev"]

    public init(stateDirectory: String, ledgerDirectory: String, policyFile: String?, additional: [String] = []) {
        var all = Set(Self.system.map(Self.canonical))
        for path in [stateDirectory, ledgerDirectory] + additional { all.insert(Self.canonical(path)) }
        if let policyFile { all.insert(Self.canonical(policyFile)) }
        paths = all.sorted()
        daemonPID = getpid()
    }

    /// The protected paths that are directories, outermost only: what agents' views mask.
    public var directories: [String] {
        let existing = paths.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        return existing.filter { path in !existing.contains { $0 != path && Self.isAtOrBelow(path, $0) } }
    }

    /// What the Broker's acting thread must not see: the protected paths and the kernel interfaces.
    public var masks: [String] { (paths + Self.kernelInterfaces).sorted() }

    /// The protected path at or above `path` (absolute, normalised), or nil. `/proc/self`, `/proc/thread-self`,
    /// `/proc/<daemon pid>` and the `/proc/<tid>` of any daemon thread count as protected.
    public func protecting(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        if let hit = paths.first(where: { Self.isAtOrBelow(path, $0) }) { return hit }
        let parts = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == "proc" else { return nil }
        let entry = String(parts[1])
        if entry == "self" || entry == "thread-self" { return "/proc/\(entry)" }
        if let id = Int32(entry), id == daemonPID || Self.threadGroup(of: id) == daemonPID { return "/proc/\(entry)" }
        return nil
    }

    static func isAtOrBelow(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root + "/")
    }

    /// The resolved form of a path: symlinks followed where it exists (its longest existing prefix otherwise).
    static func canonical(_ path: String) -> String {
        let normalised = PathNormalizer.normalize(
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        var existing = normalised
        var rest: [Substring] = []
        while existing != "/" {
            if let resolved = realpath(existing, nil) {
                defer { free(resolved) }
                let base = String(cString: resolved)
                return rest.isEmpty
                    ? base : PathNormalizer.normalize(base + "/" + rest.reversed().joined(separator: "/"))
            }
            let cut = existing.lastIndex(of: "/")!
            rest.append(existing[existing.index(after: cut)...])
            existing = cut == existing.startIndex ? "/" : String(existing[..<cut])
        }
        return normalised
    }

    /// The process a thread belongs to (`Tgid:` of `/proc/<id>/status`), or nil.
    static func threadGroup(of id: Int32) -> Int32? {
        guard let status = try? String(contentsOfFile: "/proc/\(id)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Tgid:") {
            return Int32(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
