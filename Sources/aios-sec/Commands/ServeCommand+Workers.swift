import Agents
import ArgumentParser
import Audit
import Capabilities
import Daemon
import Detection
import Emergency
import Firewall
import Foundation
import Policy
import Sandbox
import Secrets

/// What `serve` starts besides the gRPC server: the agents' spawners and cgroup tree, the firewall with its DNS
/// forwarder and IDS, the recorder of human sessions.
extension ServeCommand {
    /// Agents (and the programs the Broker starts for them) are launched when the daemon runs as root on a kernel
    /// with usable cgroups; otherwise SpawnAgent and process.spawn answer FAILED_PRECONDITION and say why. The
    /// agent's view holds the daemon's socket when it serves one; the daemon's protected directories (its state,
    /// ledger, `/var/lib/aios`, `/etc/aios`) are masked in every agent's view.
    /// `identities`: who gives each spawned agent its own identity (the Broker's programs get none).
    func agentSpawner(
        policy: SecurityPolicy, vault: KeyringVault, core: DaemonCore, action: String,
        identities: AgentIdentities? = nil, hold: SpawnHold
    ) -> AgentSpawner? {
        guard geteuid() == 0, let layout = try? CgroupLayout.detect() else { return nil }
        let ledger = core.ledger
        return AgentSpawner(
            policy: policy, vault: vault,
            confinement: AgentSpawner.Confinement(
                layout: layout, cgroupParent: agentCgroupParent, daemonSocket: socket,
                hidden: core.protected.directories, identities: identities),
            action: action, hold: hold,
            audit: { draft in if let error = ledger.append(contentsOf: [draft]).error { throw error } })
    }

    /// With --human-sessions: the recorder of people's sessions (sshd's logins from the journal, with
    /// --ids-journal-directory when given; programs from the proc connector). A daemon asked to record that cannot
    /// does not start: it must not run believing it watches.
    func startHumanSessions(policy: SecurityPolicy, core: DaemonCore) throws -> HumanSessionRecorder? {
        guard humanSessions else { return nil }
        let ledger = core.ledger
        do {
            return HumanSessionRecorder(
                operators: policy.emergency.operators, connector: try ProcConnector(),
                journal: JournalFollower(directory: idsJournalDirectory, interval: .milliseconds(250)),
                audit: { drafts in if let error = ledger.append(contentsOf: drafts).error { throw error } })
        } catch {
            printError("serve: --human-sessions: the kernel's process events cannot be read: \(error)")
            throw error.isPermissionDenied ? ExitStatus.noPermission : ExitStatus.unavailable
        }
    }

    /// With --fim: the real-time file integrity watch on the signed baseline (`fim init` made it), told by the
    /// Broker's announcements which changes are its own. A daemon asked to watch that cannot does not start.
    func startFileIntegrity(vault: KeyringVault, core: DaemonCore, announcements: AuthorizedChanges?) throws
        -> FIMWatcher?
    {
        guard fim, let announcements else { return nil }
        let ledger = core.ledger
        var configuration = FIMWatcher.Configuration()
        // The daemon's own writes (ledger, baseline, backups) are not the watch's business: they would feed it.
        configuration.ignoredPaths = [state.resolved]
        let watcher = FIMWatcher(
            baselinePath: state.resolved + "/fim/baseline.db", key: BaselineKey(vault: vault),
            configuration: configuration, authorized: announcements,
            record: { drafts in if let error = ledger.append(contentsOf: drafts).error { throw error } },
            observe: { [events = core.events] event in events.publish(event) })
        do {
            try watcher.start()
        } catch {
            printError("serve: --fim: \(error)")
            throw error.isPermissionDenied
                ? ExitStatus.noPermission : error.isUnavailable ? ExitStatus.unavailable : ExitStatus.dataError
        }
        let backends = watcher.backends.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.rawValue))" }
        print("aios-sec serve: fim watch on \(backends.joined(separator: ", "))")
        return watcher
    }

    /// The previous daemon on this state ended without shutting down: killed (SIGKILL, the OOM killer) or crashed.
    /// Anything could have happened while nothing watched, so it is an alert.
    static func uncleanEnd(of previous: DaemonRuntime) -> AuditDraft {
        AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: "daemon.unclean_end", target: "pid \(previous.pid)",
            result: .failure, riskLevel: .high,
            details: .object([
                ("previous_pid", .integer(Int64(previous.pid))), ("address", .string(previous.address)),
                ("reason", .string("the previous daemon was killed or crashed: it did not shut down")),
            ]))
    }

    /// Every agent's cgroup at once (the emergency stop freezes it whole); nil when this daemon launches no agents.
    var agentTree: AgentCgroupTree? {
        guard geteuid() == 0, let layout = try? CgroupLayout.detect() else { return nil }
        return AgentCgroupTree(layout: layout, parent: agentCgroupParent)
    }

    /// With --firewall: the controller (the table applied now, by the daemon) and the DNS forwarder when the policy
    /// names DNS servers. A table that cannot be applied stops the start: a daemon must not run believing it guards
    /// a network it does not.
    func startFirewall(policy: SecurityPolicy, state: String, core: DaemonCore) throws -> (
        FirewallController?, DNSForwarder?
    ) {
        guard firewall else { return (nil, nil) }
        if policy.firewall.management.isEmpty && !allowNoManagement {
            printError(
                "serve: --firewall: the policy names no management subnet (firewall.management); set it, or pass "
                    + "--allow-no-management")
            throw ExitStatus.usage
        }
        let ledger = core.ledger
        return try firewallCall { () throws(FirewallError) in
            let nftables = try Nftables()
            let controller = try FirewallController(
                policy: policy.firewall, nftables: nftables, stateFile: state + "/firewall/rules.json",
                record: { drafts in if let error = ledger.append(contentsOf: drafts).error { throw error } })
            try controller.apply(by: "daemon", reason: "daemon start")
            guard !policy.firewall.dns.servers.isEmpty else { return (controller, nil) }
            let forwarder = DNSForwarder(
                configuration: .init(policy.firewall.dns), allowSets: controller.allowSets, thread: nftables.thread)
            try forwarder.start()
            return (controller, forwarder)
        }
    }

    /// With --firewall: the network IDS on the firewall's NFLOG group (every new inbound TCP attempt) and, with
    /// --ids-auth-log or --ids-journal, sshd's log; it blocks through the firewall's blocklist and records each detection.
    func startIntrusionDetection(policy: SecurityPolicy, firewall: FirewallController, core: DaemonCore) throws
        -> IDSSources
    {
        let ledger = core.ledger
        let ids = NetworkIDS(
            policy: policy.ids, blocker: FirewallBlocker(firewall),
            audit: { draft in if let error = ledger.append(contentsOf: [draft]).error { throw error } },
            clock: SystemClock())
        do {
            let nflog = try NFLogReader(group: RulesetRenderer.inboundAttemptLogGroup)
            return IDSSources(
                ids: ids, nflog: nflog, tail: idsAuthLog.map { LogTail(path: $0) },
                journal: idsJournal ? JournalFollower(directory: idsJournalDirectory) : nil)
        } catch {
            printError(
                "serve: --firewall: the IDS cannot read NFLOG group \(RulesetRenderer.inboundAttemptLogGroup): \(error)"
            )
            throw ExitStatus.unavailable
        }
    }
}
