import Foundation
import SecurityTesting
import Testing

/// `pkg.install` and `pkg.remove` under `serve --fim`: the package's files are the call's changes, not intrusions,
/// and their new state is what the baseline holds; a write by anyone else in the same folders is still reported.
extension DaemonAttackTests {
    @Test("pkg.install and pkg.remove with the file watch on: the package's files are authorized and in the baseline")
    func packageInstallUpdatesTheBaseline() throws {
        let repository = try LocalAptRepository(packages: [
            .init(
                "aios-tools",
                files: [
                    "/usr/bin/aios-tool": ("#!/bin/sh\necho tool\n", 0o755),
                    "/usr/bin/aios-su": ("#!/bin/sh\necho su\n", 0o4755),
                    "/etc/aios-tools/tools.conf": ("level=1\n", 0o644),
                ])
        ])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for directory in ["usr/bin", "etc"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        try "old\n".write(toFile: root + "/etc/existing.conf", atomically: false, encoding: .utf8)
        // A file of the system's own in each watched folder, as on a real machine: the removal leaves the folders
        // (a watch root that goes away is seen only by the next full check).
        try "#!/bin/sh\n".write(toFile: root + "/usr/bin/existing-tool", atomically: false, encoding: .utf8)
        let daemon = try packageDaemon(repository, root: root, watch: [root + "/usr/bin", root + "/etc"])
        let call = try BackgroundCall(
            execArguments(daemon, as: "aios-agent-package", "pkg.install", ["package": "aios-tools"]))
        guard let pendingID = pendingOrRecord(daemon, call) else { return }
        #expect(try daemon.call("confirm", as: "orchestrator", ["--pending-id", pendingID]).status == 0)
        let installed = call.finish()
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        #expect(FileManager.default.fileExists(atPath: root + "/usr/bin/aios-su"))
        // Someone else's write in a watched folder right after: the watch is on, and tells the two apart.
        try "evil\n".write(toFile: root + "/etc/existing.conf", atomically: false, encoding: .utf8)
        let alerts = waitForAlerts(daemon) { $0.contains { $0.contains("existing.conf") } }
        #expect(alerts.contains { $0.contains("existing.conf") }, "\(alerts)")
        #expect(!alerts.contains { mentionsPackage($0) }, "the package's files are not alerts: \(alerts)")
        // The baseline holds the installed files (the watch signs it within a second of the change).
        let check = waitForCheck(daemon) { !mentionsPackage($0) }
        #expect(!mentionsPackage(check), "the installed files are in the baseline: \(check)")
        #expect(check.contains("existing.conf"), "the unauthorized write is still a difference: \(check)")

        let removal = try BackgroundCall(
            execArguments(daemon, as: "aios-agent-package", "pkg.remove", ["package": "aios-tools"]))
        guard let removalID = pendingOrRecord(daemon, removal) else { return }
        #expect(try daemon.call("confirm", as: "orchestrator", ["--pending-id", removalID]).status == 0)
        let removed = removal.finish()
        #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/bin/aios-su"))
        let afterRemoval = waitForCheck(daemon) { !mentionsPackage($0) }
        #expect(!mentionsPackage(afterRemoval), "the removal is in the baseline: \(afterRemoval)")
        #expect(!waitForAlerts(daemon) { _ in true }.contains { mentionsPackage($0) })
    }

    /// Whether `text` names one of the test package's paths.
    func mentionsPackage(_ text: some StringProtocol) -> Bool {
        ["/usr/bin/aios-tool", "/usr/bin/aios-su", "/etc/aios-tools"].contains { text.contains($0) }
    }

    /// The watch's alerts in the ledger (`security_alert` lines from `fim.` rules), polled up to 60 s until `done`.
    func waitForAlerts(_ daemon: DaemonFixture, until done: ([Substring]) -> Bool) -> [Substring] {
        var alerts: [Substring] = []
        let deadline = Date() + 60
        while Date() < deadline {
            let audit = try? BinaryRunner.run([
                "audit", "query", "--state-dir", daemon.state, "--type", "security_alert", "--json",
            ])
            alerts = (audit?.stdout ?? "").split(separator: "\n").filter { $0.contains(#""action":"fim."#) }
            if done(alerts) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return alerts
    }

    /// `fim check` of the daemon's baseline against the tree, polled up to 30 s until `done` holds of its output.
    func waitForCheck(_ daemon: DaemonFixture, until done: (String) -> Bool) -> String {
        var output = ""
        let deadline = Date() + 30
        while Date() < deadline {
            let check = try? BinaryRunner.run([
                "fim", "check", "--state-dir", daemon.state, "--vault", daemon.vault, "--json", "--quiet",
            ])
            output = (check?.stdout ?? "") + (check?.stderr ?? "")
            if done(output) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return output
    }
}
