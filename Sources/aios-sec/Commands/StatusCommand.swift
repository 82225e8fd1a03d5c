import AIOSProto
import ArgumentParser
import Audit
import Capabilities
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The system's state for a person at the console: the daemon, the agents, recent alerts and logins.",
        discussion: """
            Asks the daemon (Status, ListAgents, ListPending) as --identity when its files are readable, and reads \
            the ledger directly (read-only), so it says what it can when the daemon is down or hung. Exit 0 even \
            when a part is unavailable; each such part says why.
            """)

    @Flag(help: "The report for a person (the default; kept for the documented `status --human`).") var human = false
    @Option(help: "The daemon: HOST:PORT or unix:PATH.") var server = "127.0.0.1:9091"
    @Option(help: "Identity directory to ask the daemon as (default: STATE/identities/orchestrator).")
    var identity: String?
    @OptionGroup var ledger: LedgerOptions
    @Option(help: "How far back alerts and logins go.") var since = "24h"

    func run() async throws {
        let now = SystemClock().now()
        print("aiOS status at \(now.rfc3339)")
        await printDaemon()
        printLedger(now: now)
    }

    private func printDaemon() async {
        let endpoint = DaemonEndpoint(
            server: server, identity: identity ?? ledger.state.resolved + "/identities/orchestrator")
        if let problem = endpoint.problem {
            print("\ndaemon: not asked (\(problem))")
            return
        }
        do {
            let (status, agents, pending) = try await endpoint.withClient { client in
                let status = try await client.status(Aios_Security_V1_StatusRequest())
                let agents = try? await client.listAgents(Aios_Security_V1_ListAgentsRequest())
                let pending = try? await client.listPending(Aios_Security_V1_ListPendingRequest())
                return (status, agents, pending)
            }
            print("\ndaemon \(status.version), started \(status.startedAt), policy \(status.policy)")
            print("  state           \(status.emergencyState)")
            print("  active grants   \(status.activeGrants)")
            print("  pending calls   \(status.pendingCalls)")
            print("  ledger entries  \(status.ledgerEntries)")
            if let agents {
                print("\nagents (\(agents.agents.count))")
                for agent in agents.agents.map(AgentReport.init) { print("  " + agent.line) }
            }
            if let pending, !pending.pending.isEmpty {
                print("\npending confirmations (\(pending.pending.count))")
                for call in pending.pending { print("  \(call.id) \(call.agent) \(call.capability) \(call.reason)") }
            }
        } catch {
            print("\ndaemon: unreachable (\(error))")
        }
    }

    private func printLedger(now: Timestamp) {
        let directory = ledger.resolved
        guard FileManager.default.fileExists(atPath: directory) else {
            print("\nledger: none at \(directory)")
            return
        }
        let reader = LedgerReader(directory: directory)
        for (title, filters) in [
            ("security alerts", [("type", "security_alert")]),
            ("human logins", [("type", "human_session"), ("action", "ssh.login")]),
        ] {
            var lines: [String] = []
            var total = 0
            do {
                let query = try AuditQuery(filters: filters + [("since", since)], now: now)
                try reader.entries(matching: query) { entry in
                    total += 1
                    lines.append("  \(entry.timestamp.rfc3339) \(entry.agent) \(entry.action) \(entry.target)")
                    if lines.count > 20 { lines.removeFirst() }
                    return true
                }
                print("\n\(title) since \(since): \(total)\(total > lines.count ? ", the last \(lines.count):" : "")")
                for line in lines { print(line) }
            } catch {
                print("\n\(title): cannot read the ledger (\(error))")
            }
        }
    }
}
