import ArgumentParser
import Audit
import Capabilities
import Emergency
import Foundation
import Sandbox

struct RecoveryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery",
        abstract:
            "For the console with the daemon down: kill every agent, set manual mode, verify the ledger, print the state.",
        discussion: """
            Needs nothing but root and the state directory: no daemon, no network. Agents are killed through their \
            cgroups, running tasks through podman, manual mode is written to STATE/manual-mode.json (the daemon \
            records it and stays stopped at its next start), and the ledger is checked end to end. Then the last \
            entries, the recent alerts and the firewall's state are printed for the person at the console.
            """)

    @OptionGroup var daemon: LocalDaemonOptions
    @OptionGroup var trust: TrustOptions
    @Option(help: "Why (goes into the manual-mode record and then the ledger).") var reason = "recovery console"
    @Option(help: "How many recent entries and alerts to print.") var recent = 10

    func run() throws {
        guard geteuid() == 0 else {
            printError("recovery: needs root (it kills cgroups and writes the daemon's state)")
            throw ExitStatus.noPermission
        }
        let state = daemon.state.resolved
        print("== aiOS Security recovery (\(state)) ==")
        if let runtime = daemon.runtime, kill(runtime.pid, 0) == 0 {
            print("daemon: pid \(runtime.pid) is alive — it will honour manual mode within a second")
        } else {
            print("daemon: not running")
        }
        print("agents: \(killAgents())")
        if let tasks = try? TaskRunner.locate(), let killed = try? tasks.killAll() {
            print("tasks: \(killed.count) killed")
        }
        print("mode: \(setManualMode(state))")
        let ledger = state + "/audit"
        let intact = verify(ledger)
        printRecent(ledger)
        print("grants: none outlive the daemon (held in its memory), and a stop suspends them all")
        print("firewall: \(firewallState(state))")
        print("next: fix what is wrong, start the daemon (it starts in manual mode), then aios-sec resume --challenge")
        if !intact { throw ExitStatus.denied }
    }

    private func killAgents() -> String {
        guard let layout = try? CgroupLayout.detect() else { return "no cgroups found" }
        let tree = AgentCgroupTree(layout: layout, parent: daemon.cgroupParent)
        let count = tree.groups.count
        guard count > 0 else { return "none running (\(daemon.cgroupParent) is empty)" }
        do {
            try tree.killAll()
            try tree.thawAll()
            return "\(count) agent cgroup(s) killed"
        } catch {
            return "killing \(daemon.cgroupParent) failed: \(error)"
        }
    }

    private func setManualMode(_ state: String) -> String {
        let file = ManualModeFile(stateDirectory: state)
        if case .manual(let record) = file.read() {
            return "manual since \(record.since) by \(record.by): \(record.reason)"
        }
        let record = ManualModeRecord(
            since: SystemClock().now().rfc3339, by: "root (aios-sec recovery by \(EstopCommand.operatorDescription()))",
            reason: reason)
        do {
            try file.write(record)
            return "manual (written to \(file.path))"
        } catch {
            return "could not be written: \(error)"
        }
    }

    private func verify(_ ledger: String) -> Bool {
        guard let verifier = try? trust.verifier(ledger: ledger) else {
            print("ledger: no verifier key at \(ledger) (nothing recorded yet?)")
            return true
        }
        let report = LedgerVerifier(directory: ledger, checkpointLog: trust.checkpoints, verifier: verifier).verify()
        if let failure = report.failure {
            print("ledger: TAMPERED: \(failure)")
        } else {
            print("ledger: intact, \(report.entries) entries in \(report.days.count) day file(s)")
        }
        return report.intact
    }

    private func printRecent(_ ledger: String) {
        let reader = LedgerReader(directory: ledger)
        var since = AuditQuery()
        since.since = Timestamp(millisecondsSinceEpoch: SystemClock().now().millisecondsSinceEpoch - 7 * 86_400_000)
        var last: [StoredEntry] = []
        var alerts: [StoredEntry] = []
        try? reader.entries(matching: since) { entry in
            last.append(entry)
            if last.count > recent { last.removeFirst() }
            if entry.eventType == AuditEventType.securityAlert.rawValue {
                alerts.append(entry)
                if alerts.count > recent { alerts.removeFirst() }
            }
            return true
        }
        print("last \(last.count) entries (7 days):")
        for entry in last { print("  \(Self.line(entry))") }
        print("recent alerts: \(alerts.isEmpty ? "none" : "")")
        for entry in alerts { print("  \(Self.line(entry))") }
    }

    static func line(_ entry: StoredEntry) -> String {
        "\(entry.timestamp.rfc3339) \(entry.eventType) \(entry.agent) \(entry.action) \(entry.target) → \(entry.result)"
    }

    private func firewallState(_ state: String) -> String {
        let rules = state + "/firewall/rules.json"
        let saved = FileManager.default.fileExists(atPath: rules) ? "rules saved in \(rules)" : "no saved rules"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nft")
        process.arguments = ["list", "table", "inet", "aios"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "\(saved); nft not available" }
        process.waitUntilExit()
        let table =
            process.terminationStatus == 0
            ? "table inet aios is loaded (it stays: the firewall needs no daemon)" : "table inet aios is not loaded"
        return "\(table); \(saved)"
    }
}
