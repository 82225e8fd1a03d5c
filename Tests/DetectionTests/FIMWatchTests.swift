import Audit
import Crypto
import Foundation
import SecurityTesting
import Testing

@testable import Detection

/// The real-time watch against the real kernel, in temporary trees: each attack is made for real and its alert
/// must arrive (latency is measured by `aios-sec bench fim --watch`, not asserted here).
@Suite("FIM watch", .serialized)
struct FIMWatchTests {
    @Test(
        "a file changed under a watched folder is an unauthorized change, with who made it (fanotify)",
        .requiresRoot("fanotify needs CAP_SYS_ADMIN"))
    func changeIsAnAlertWithTheProcess() throws {
        let lab = try FIMLab()
        try lab.write("config", "listen 80\n")
        try lab.initialize()
        let watch = try FIMWatchLab(lab)
        #expect(watch.watcher.backends[lab.root] == .fanotify)
        #expect(watch.ready())
        try lab.write("config", "listen 8080\n")
        #expect(watch.wait { watch.alerts(lab.path("config")).count == 1 })
        let alert = try #require(watch.alerts(lab.path("config")).first)
        #expect(alert.action == "fim.unauthorized_change")
        #expect(alert.riskLevel == .high)
        #expect(alert.differenceNames.contains("content"))
        let modification = try #require(
            watch.recorded.withLock { $0.first { $0.eventType == .fileModification } })
        #expect(modification.agent.hasPrefix("pid \(getpid()) "))
        guard case .object(let process)? = modification.detail("process") else {
            Issue.record("no process in \(modification.details)")
            return
        }
        #expect(process.first { $0.key == "pid" }?.value == .integer(Int64(getpid())))
    }

    @Test("with inotify the change is seen too, by an unknown author", .requiresRoot("a baseline key in the vault"))
    func inotifyFallback() throws {
        let lab = try FIMLab()
        try FileManager.default.createDirectory(atPath: lab.path("sub/deeper"), withIntermediateDirectories: true)
        try lab.write("sub/deeper/unit", "[Service]\n")
        try lab.initialize()
        let watch = try FIMWatchLab(lab) { $0.backend = .inotify }
        #expect(watch.watcher.backends[lab.root] == .inotify)
        #expect(watch.ready())
        try lab.write("sub/deeper/unit", "[Service]\nExecStart=/tmp/x\n")
        // A directory made after the start, and a file in it at once.
        try FileManager.default.createDirectory(atPath: lab.path("sub/new"), withIntermediateDirectories: true)
        try lab.write("sub/new/file", "x")
        #expect(watch.wait { !watch.alerts(lab.path("sub/deeper/unit")).isEmpty })
        #expect(watch.wait { !watch.alerts(lab.path("sub/new/file")).isEmpty })
        let modification = try #require(
            watch.recorded.withLock { $0.first { $0.eventType == .fileModification } })
        #expect(modification.agent == "host")
    }

    @Test("a new setuid binary is a critical alert", .requiresRoot("chmod u+s and fanotify"))
    func newSetuidBinary() throws {
        let lab = try FIMLab()
        try lab.initialize()
        let watch = try FIMWatchLab(lab)
        #expect(watch.ready())
        try lab.write("rootshell", "#!/bin/sh\n")
        chmod(lab.path("rootshell"), 0o4755)
        #expect(watch.wait { watch.alerts(lab.path("rootshell")).contains { $0.action == "fim.privileged_file" } })
        let alert = try #require(watch.alerts(lab.path("rootshell")).last)
        #expect(alert.riskLevel == .critical)
    }

    @Test(
        "a write to a privileged folder (sudoers.d, here under the lab) is a privilege-escalation alert",
        .requiresRoot("fanotify"))
    func privilegedFolder() throws {
        let lab = try FIMLab()
        try FileManager.default.createDirectory(atPath: lab.path("sudoers.d"), withIntermediateDirectories: true)
        try lab.initialize()
        let watch = try FIMWatchLab(lab) { $0.privilegedPaths = [lab.path("sudoers.d")] }
        #expect(watch.ready())
        try lab.write("sudoers.d/agent", "agent ALL=(ALL) NOPASSWD: ALL\n")
        #expect(
            watch.wait {
                watch.alerts(lab.path("sudoers.d/agent")).contains { $0.action == "fim.privilege_escalation" }
            })
    }

    @Test(
        "a symlink renamed over a watched file, and a directory with a setuid file moved in, are both seen",
        .requiresRoot("fanotify"))
    func symlinkSwapAndMoveIn() throws {
        let lab = try FIMLab()
        try lab.write("passwd", "root:x:0:0::/root:/bin/sh\n")
        try lab.initialize()
        let watch = try FIMWatchLab(lab)
        #expect(watch.ready())
        let outside = (lab.root as NSString).deletingLastPathComponent
        symlink("/etc/shadow", outside + "/link")
        rename(outside + "/link", lab.path("passwd"))
        try FileManager.default.createDirectory(atPath: outside + "/kit", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: outside + "/kit/su", contents: Data("x".utf8))
        chmod(outside + "/kit/su", 0o4755)
        rename(outside + "/kit", lab.path("kit"))
        #expect(watch.wait { watch.alerts(lab.path("passwd")).contains { $0.differenceNames == ["type"] } })
        #expect(watch.wait { watch.alerts(lab.path("kit/su")).contains { $0.action == "fim.privileged_file" } })
    }

    @Test(
        "an overflow of the watch's queue is counted and leads to a full check that reports every change",
        .requiresRoot("fanotify"))
    func overflowLeadsToAFullCheck() throws {
        let lab = try FIMLab()
        try lab.initialize()
        let watch = try FIMWatchLab(lab) {
            $0.queueCapacity = 2
            $0.settle = .milliseconds(200)
        }
        #expect(watch.ready())
        for index in 0..<40 { try lab.write("file-\(index)", "\(index)") }
        #expect(watch.wait { (0..<40).allSatisfy { !watch.alerts(lab.path("file-\($0)")).isEmpty } })
        #expect(watch.watcher.statistics.queueOverflows > 0)
        #expect(watch.watcher.statistics.fullChecks >= 2)
        // Each change is reported once, whether the events or the full check saw it first.
        #expect((0..<40).allSatisfy { watch.alerts(lab.path("file-\($0)")).count == 1 })
    }

    @Test(
        "a change the Broker announced is authorized; a write after it by anyone else is not",
        .requiresRoot("fanotify"))
    func announcedChangeIsAuthorized() throws {
        let lab = try FIMLab()
        try lab.write("notes", "one\n")
        try lab.initialize()
        let announcements = AuthorizedChanges()
        let watch = try FIMWatchLab(lab, authorized: announcements)
        #expect(watch.ready())
        let ticket = announcements.begin(path: lab.path("notes"), auditID: "entry-1", agent: "agent-a")
        try lab.write("notes", "two\n")
        announcements.end(ticket)
        #expect(
            watch.wait {
                watch.observed.withLock { $0.contains { $0.target == lab.path("notes") && $0.agent == "agent-a" } }
            })
        #expect(watch.alerts(lab.path("notes")).isEmpty)
        // The same path written again outside the Broker, within the grace period.
        try lab.write("notes", "three\n")
        #expect(watch.wait { !watch.alerts(lab.path("notes")).isEmpty })
        let alert = try #require(watch.alerts(lab.path("notes")).first)
        #expect(alert.differenceNames.contains("content"))
    }

    @Test(
        "a process racing the Broker's write (other content, or a setuid bit) within its announcement is not authorized",
        .requiresRoot("fanotify, chmod u+s"))
    func racingTheBroker() throws {
        let lab = try FIMLab()
        try lab.write("tool", "echo one\n")
        try lab.write("conf", "a=1\n")
        try lab.initialize()
        let announcements = AuthorizedChanges()
        let watch = try FIMWatchLab(lab, authorized: announcements)
        #expect(watch.ready())
        let digest = { (text: String) in Array(SHA256.hash(data: Array(text.utf8))) }
        // The Broker announced "a=2", but "a=evil" is what is there when it records the state.
        let conf = announcements.begin(
            path: lab.path("conf"), auditID: "e1", agent: "agent-a", content: digest("a=2\n"))
        try lab.write("conf", "a=evil\n")
        announcements.end(conf)
        // The Broker's content, and a setuid bit added by someone else before the Broker recorded the state.
        let tool = announcements.begin(
            path: lab.path("tool"), auditID: "e2", agent: "agent-a", content: digest("echo two\n"))
        try lab.write("tool", "echo two\n")
        chmod(lab.path("tool"), 0o4755)
        announcements.end(tool)
        #expect(watch.wait { !watch.alerts(lab.path("conf")).isEmpty })
        #expect(watch.wait { watch.alerts(lab.path("tool")).contains { $0.action == "fim.privileged_file" } })
    }

    @Test(
        "a package install as dpkg makes it (a .dpkg-new file renamed over, a setuid file the report listed) is authorized; an unlisted setuid file is not",
        .requiresRoot("fanotify, chmod u+s"))
    func dpkgInstallIsAuthorized() throws {
        let lab = try FIMLab()
        try lab.write("tool", "echo one\n")
        try lab.initialize()
        let announcements = AuthorizedChanges()
        let watch = try FIMWatchLab(lab, authorized: announcements)
        #expect(watch.ready())
        let tickets = announcements.begin(
            [
                .init(path: lab.path("tool")), .init(path: lab.path("su"), privileged: true),
                .init(path: lab.path("sneaky")),
            ],
            auditID: "e7", agent: "aios-agent-package", by: .dpkg)
        for name in ["tool", "su", "sneaky"] {
            try lab.write(name + ".dpkg-new", "echo \(name) two\n")
            if name != "tool" { chmod(lab.path(name + ".dpkg-new"), 0o4755) }
            rename(lab.path(name + ".dpkg-new"), lab.path(name))
        }
        let digest = { (name: String) in Array(SHA256.hash(data: Array("echo \(name) two\n".utf8))) }
        announcements.end(
            tickets, contents: [tickets[0]: digest("tool"), tickets[1]: digest("su"), tickets[2]: digest("sneaky")])
        #expect(watch.wait { watch.alerts(lab.path("sneaky")).contains { $0.action == "fim.privileged_file" } })
        #expect(watch.wait { watch.watcher.statistics.authorized >= 2 })
        #expect(watch.alerts(lab.path("tool")).isEmpty && watch.alerts(lab.path("su")).isEmpty)
        #expect(watch.recorded.withLock { $0.allSatisfy { !$0.target.hasSuffix(".dpkg-new") } })
    }

    @Test(
        "a package removal that takes a folder with its files is authorized file by file, even when the files' own events cannot be resolved",
        .requiresRoot("fanotify"))
    func announcedFolderRemoval() throws {
        let lab = try FIMLab()
        try FileManager.default.createDirectory(atPath: lab.path("pkg/conf.d"), withIntermediateDirectories: true)
        try lab.write("pkg/conf.d/a.conf", "a\n")
        try lab.write("pkg/b.conf", "b\n")
        try lab.initialize()
        let announcements = AuthorizedChanges()
        let watch = try FIMWatchLab(lab, authorized: announcements)
        #expect(watch.ready())
        let paths = ["pkg/conf.d/a.conf", "pkg/b.conf", "pkg/conf.d", "pkg"].map { lab.path($0) }
        let tickets = announcements.begin(
            paths.map { .init(path: $0) }, auditID: "e8", agent: "aios-agent-package", by: .dpkg)
        for path in paths { remove(path) }
        announcements.end(tickets)
        #expect(watch.wait { watch.watcher.statistics.authorized >= 2 })
        try lab.write("after", "x")
        #expect(watch.wait { !watch.alerts(lab.path("after")).isEmpty })
        #expect(paths.allSatisfy { watch.alerts($0).isEmpty }, "\(watch.recorded.withLock { $0.map(\.target) })")
        watch.watcher.stop()
        // The signed baseline no longer holds them: a check finds only the later write.
        let differences = try lab.check().changes.map(\.path)
        #expect(differences == [Array(lab.path("after").utf8)], "\(differences)")
    }

    @Test("the watch's own state folder is never watched (its ledger writes would feed it)", .requiresRoot("fanotify"))
    func ignoredFolder() throws {
        let lab = try FIMLab()
        try FileManager.default.createDirectory(atPath: lab.path("state"), withIntermediateDirectories: true)
        try lab.initialize()
        let watch = try FIMWatchLab(lab) { $0.ignoredPaths = [lab.path("state")] }
        #expect(watch.ready())
        try lab.write("state/ledger.db", "entry")
        try lab.write("elsewhere", "x")
        #expect(watch.wait { !watch.alerts(lab.path("elsewhere")).isEmpty })
        #expect(watch.recorded.withLock { $0.allSatisfy { !$0.target.contains("/state") } })
    }

    @Test(
        "a Broker change whose events are lost in an overflow is still the Broker's at the full check",
        .requiresRoot("fanotify"))
    func brokerChangeThroughAnOverflow() throws {
        let lab = try FIMLab()
        try lab.write("notes", "one\n")
        try lab.initialize()
        let announcements = AuthorizedChanges()
        let watch = try FIMWatchLab(
            lab,
            configure: {
                $0.queueCapacity = 1
                $0.settle = .milliseconds(200)
            }, authorized: announcements)
        #expect(watch.ready())
        for index in 0..<10 { try lab.write("noise-\(index)", "\(index)") }
        let ticket = announcements.begin(
            path: lab.path("notes"), auditID: "entry-9", agent: "agent-a",
            content: Array(SHA256.hash(data: Array("two\n".utf8))))
        try lab.write("notes", "two\n")
        announcements.end(ticket)
        #expect(watch.wait { (0..<10).allSatisfy { !watch.alerts(lab.path("noise-\($0)")).isEmpty } })
        #expect(watch.wait { watch.watcher.statistics.authorized >= 1 })
        #expect(watch.watcher.statistics.queueOverflows > 0)
        #expect(watch.alerts(lab.path("notes")).isEmpty)
    }

    @Test(
        "a flood of changed files is 100 alerts one by one a minute, then one summary; each one still an event",
        .requiresRoot("fanotify needs CAP_SYS_ADMIN"))
    func floodIsBounded() throws {
        let lab = try FIMLab()
        try lab.write("keep", "x")
        try lab.initialize()
        let watch = try FIMWatchLab(lab)
        #expect(watch.ready())
        let files = FIMWatcher.alertsPerWindow + 50
        for index in 0..<files { try lab.write("dropped-\(index)", "payload") }
        #expect(watch.wait { watch.watcher.statistics.unauthorized + watch.watcher.statistics.aggregated >= files })
        watch.watcher.stop()
        let alerts = watch.recorded.withLock { $0.filter { $0.eventType == .securityAlert } }
        #expect(alerts.filter { $0.target != "aggregate" }.count == FIMWatcher.alertsPerWindow)
        let summary = try #require(alerts.first { $0.target == "aggregate" })
        #expect(summary.detail("aggregated") == .integer(50), "\(summary.details)")
        #expect(watch.watcher.statistics.aggregated == 50)
        let observed = watch.observed.withLock { $0.filter { $0.target.contains("dropped-") } }
        #expect(observed.count >= 50 * 2, "the folded findings are still in the events window (alert and change)")
    }
}
