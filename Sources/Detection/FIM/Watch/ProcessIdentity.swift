import Audit
import Foundation

/// Who made a change, as far as the kernel said: fanotify gives the process id, and `/proc` is read at once
/// (the process may be gone a moment later: then it is `exited`, never guessed). inotify gives nothing.
public struct ProcessIdentity: Sendable, Equatable {
    public var pid: Int32
    /// Nil when the process had exited before `/proc` was read.
    public var comm: String?
    public var executable: String?
    public var uid: UInt32?
    public var cgroup: String?

    public var exited: Bool { comm == nil }

    public init(pid: Int32, comm: String?, executable: String?, uid: UInt32?, cgroup: String?) {
        self.pid = pid
        self.comm = comm
        self.executable = executable
        self.uid = uid
        self.cgroup = cgroup
    }

    /// Reads `/proc/PID` now.
    public static func read(pid: Int32, proc: String = "/proc") -> ProcessIdentity {
        let base = "\(proc)/\(pid)/"
        let text = { (name: String) -> String? in
            guard let data = FileManager.default.contents(atPath: base + name) else { return nil }
            return String(decoding: data.prefix(4096), as: UTF8.self)
        }
        let comm = text("comm")?.trimmingCharacters(in: .newlines)
        let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: base + "exe")
        let uid = text("status")?.split(separator: "\n").first { $0.hasPrefix("Uid:") }
            .flatMap { $0.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first }
            .flatMap { UInt32($0) }
        // cgroup v2: one line "0::/path".
        let cgroup = text("cgroup")?.split(separator: "\n").first { $0.hasPrefix("0::") }.map {
            String($0.dropFirst(3))
        }
        return ProcessIdentity(pid: pid, comm: comm, executable: executable, uid: uid, cgroup: cgroup)
    }

    /// The ledger's `agent` for a change this process made.
    var agentName: String { "pid \(pid) (\(comm.map { EscapedPath.text(Array($0.utf8)) } ?? "exited"))" }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("pid", .integer(Int64(pid)))]
        guard let comm else { return .object(members + [("state", .string("exited"))]) }
        members.append(("comm", .string(comm)))
        if let executable { members.append(("exe", .string(executable))) }
        if let uid { members.append(("uid", .integer(Int64(uid)))) }
        if let cgroup { members.append(("cgroup", .string(cgroup))) }
        return .object(members)
    }
}
