import Audit
import Foundation
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Detection

/// The host IDS on the live kernel: real process events, real `/proc`, real setuid and deleted programs.
@Suite(.serialized) final class HostIDSKernelTests: Sendable {
    let drafts = Mutex<[AuditDraft]>([])
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hids-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    func started(agents: AgentDirectory = .none) throws -> ProcessMonitor {
        let monitor = ProcessMonitor(
            policy: IDSPolicy.defaults(), agents: agents, modules: ModuleWatch(path: directory + "/no-modules"),
            freezer: nil, audit: { [self] draft in drafts.withLock { $0.append(draft) } },
            sweepInterval: .milliseconds(100))
        monitor.start(connector: try ProcConnector(), auditLog: nil)
        return monitor
    }

    func alert(_ action: String, where matches: (AuditDraft) -> Bool = { _ in true }) -> AuditDraft? {
        drafts.withLock { $0.first { $0.action == action && matches($0) } }
    }

    /// A copy of `sleep` made setuid root on a file system without nosuid, run by nobody: the kernel's uid event
    /// (real 65534, effective 0) is an escalation naming the program.
    @Test(.requiresRoot("a setuid-root file, another uid, the proc connector"))
    func aSetuidHelperRunByNobodyIsAnEscalation() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let helper = directory + "/helper"
        try FileManager.default.copyItem(atPath: "/usr/bin/sleep", toPath: helper)
        #expect(chown(helper, 0, 0) == 0 && chmod(helper, 0o4755) == 0)
        let monitor = try started()
        defer { monitor.stop() }
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        run.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", helper, "0.5"]
        try run.run()
        run.waitUntilExit()
        #expect(run.terminationStatus == 0)
        let found = eventually(5) { alert("ids.uid_zero", where: { $0.details["exe"] == .string(helper) }) != nil }
        #expect(found, "\(drafts.withLock { $0.map(\.action) })")
        let draft = alert("ids.uid_zero", where: { $0.details["exe"] == .string(helper) })
        #expect(draft?.details["uid_before"] == .integer(65534) && draft?.details["uid_after"] == .integer(0))
        #expect(draft?.details["uid"] == .integer(65534) && draft?.details["euid"] == .integer(0))
        #expect(draft?.details["exe_setuid"] == .bool(true))
    }

    /// An agent's uid (nobody here) runs the same setuid helper under `no_new_privs`, as every agent does: the kernel
    /// grants nothing (no uid event), and the attempt itself is the alert.
    @Test(.requiresRoot("a setuid-root file, another uid, the proc connector"))
    func anAgentUIDRunningASetuidHelperIsReportedAndGainsNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let helper = directory + "/helper"
        try FileManager.default.copyItem(atPath: "/usr/bin/sleep", toPath: helper)
        #expect(chown(helper, 0, 0) == 0 && chmod(helper, 0o4755) == 0)
        let monitor = try started(
            agents: AgentDirectory(cgroupParent: "aios", uids: [65534: "nobody-agent"]) { _ in [] })
        defer { monitor.stop() }
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        run.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs", helper, "0.5"]
        try run.run()
        run.waitUntilExit()
        let found = eventually(5) {
            alert("ids.privileged_exec", where: { $0.details["exe"] == .string(helper) }) != nil
        }
        #expect(found, "\(drafts.withLock { $0.map(\.action) })")
        #expect(alert("ids.privileged_exec")?.target == "nobody-agent")
        #expect(alert("ids.uid_zero", where: { $0.details["exe"] == .string(helper) }) == nil)
    }

    /// A program whose file is deleted while it runs (what an implant does to hide) is found by the sweep.
    @Test(.requiresRoot("the proc connector"))
    func aRunningProgramWhoseFileWasDeletedIsAnAlert() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let implant = directory + "/implant"
        try FileManager.default.copyItem(atPath: "/usr/bin/sleep", toPath: implant)
        let monitor = try started()
        defer { monitor.stop() }
        let run = Process()
        run.executableURL = URL(fileURLWithPath: implant)
        run.arguments = ["10"]
        try run.run()
        defer {
            kill(run.processIdentifier, SIGKILL)
            run.waitUntilExit()
        }
        #expect(eventually(5) { LiveProcessInspector().facts(of: run.processIdentifier)?.executable == implant })
        #expect(unlink(implant) == 0)
        let pid = Int64(run.processIdentifier)
        let found = eventually(5) {
            alert("ids.deleted_executable", where: { $0.details["pid"] == .integer(pid) }) != nil
        }
        #expect(found, "\(drafts.withLock { $0.map(\.action) })")
        #expect(alert("ids.deleted_executable", where: { $0.details["pid"] == .integer(pid) })?.target == implant)
    }

    /// What `/proc` says of this very process.
    @Test func theLiveInspectorReadsThisProcess() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let facts = try #require(LiveProcessInspector().facts(of: getpid()))
        #expect(facts.realUID == getuid() && facts.effectiveUID == geteuid() && facts.parent == getppid())
        #expect(!facts.cgroups.isEmpty && facts.executable?.hasPrefix("/") == true)
        #expect(facts.file?.deleted == false && facts.file?.setuid == false)
        #expect(LiveProcessInspector().pids().contains(getpid()))
        #expect(LiveProcessInspector().facts(of: Int32.max) == nil)
    }
}
