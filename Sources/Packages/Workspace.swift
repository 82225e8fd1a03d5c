import Foundation
import Glibc

/// One request's directories: `DIRECTORY` (root-only), `work/` (the sandbox uid's, the only place its tools
/// write), `verified/` (root's; the copies the daemon checked, readable so the sandbox can inspect them, never
/// writable by it) and `checks/` (root-only; the indexes the daemon read).
struct Workspace {
    let directory: String
    let sandboxUID: UInt32
    var path: String { directory + "/work" }
    var verified: String { directory + "/verified" }
    var checks: String { directory + "/checks" }

    static let workDirectories = [
        "etc", "etc/parts", "etc/sources.list.d", "etc/keys", "lists", "lists/partial", "cache", "archives",
        "archives/partial", "control", "log", "download",
    ]

    static func create(_ directory: String, sandboxUID: UInt32) throws(PackageError) -> Workspace {
        let workspace = Workspace(directory: directory, sandboxUID: sandboxUID)
        try make(directory, mode: 0o700)
        try make(workspace.path, mode: 0o700, owner: sandboxUID)
        for child in workDirectories { try make(workspace.path + "/" + child, mode: 0o700, owner: sandboxUID) }
        try make(workspace.verified, mode: 0o755)
        try make(workspace.checks, mode: 0o700)
        return workspace
    }

    private static func make(_ path: String, mode: mode_t, owner: UInt32? = nil) throws(PackageError) {
        guard mkdir(path, mode) == 0 else {
            throw .sandbox("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        // mkdir's mode is filtered by the umask; the mode is what it says.
        guard chmod(path, mode) == 0, owner.map({ chown(path, $0, $0) == 0 }) ?? true else {
            throw .sandbox("cannot set the owner or mode of \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// A root-owned file the sandbox may read, not change (its directory is the sandbox's, so it could replace
    /// it: nothing the daemon trusts is read back from here).
    func write(_ relative: String, _ data: Data) throws(PackageError) {
        let target = path + "/" + relative
        guard FileManager.default.createFile(atPath: target, contents: data, attributes: [.posixPermissions: 0o644])
        else { throw .sandbox("cannot write \(target)") }
    }

    /// The names in a directory the sandbox wrote (no path separators, no dot files).
    static func entries(_ directory: String) throws(PackageError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw .verification("cannot list \(directory)")
        }
    }
}

/// A package set downloaded, verified and inspected, waiting for its install: the files and their report.
public struct PreparedInstall: Sendable {
    public let report: ProvenanceReport
    /// The request's directory (removed when the request ends, installed or not).
    public let directory: String
    /// Each package's paths (files, links and directories; absolute, below the install root): what the install is
    /// announced to change, and what is hashed after it for the file-integrity baseline.
    public let installedFiles: [String: [String]]

    public init(report: ProvenanceReport, directory: String, installedFiles: [String: [String]]) {
        self.report = report
        self.directory = directory
        self.installedFiles = installedFiles
    }

    /// Removes the request's files.
    public func discard() { try? FileManager.default.removeItem(atPath: directory) }
}
