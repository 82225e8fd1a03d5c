import ArgumentParser
import Audit
import Firewall
import Foundation
import Policy

struct FirewallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firewall",
        abstract: "The host firewall: one nftables table (inet aios), dynamic rules, the timed blocklist.",
        discussion: """
            The desired state is the policy's firewall: section plus the dynamic rules in STATE/firewall/rules.json;
            every change is one nftables transaction in this machine's network namespace (run it under
            `ip netns exec NS` to act elsewhere) and an audited policy_change with --by and --reason.
            """,
        subcommands: [
            FirewallRenderCommand.self, FirewallDiffCommand.self, FirewallApplyCommand.self,
            FirewallRuleCommand.Allow.self, FirewallRuleCommand.Deny.self, FirewallRemoveCommand.self,
            FirewallListCommand.self, FirewallBlockCommand.self, FirewallUnblockCommand.self,
        ])
}

/// `--policy`, `--state-dir`, `--ledger`, `--by`: what every firewall command builds its controller from.
struct FirewallOptions: ParsableArguments {
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var ledger: LedgerOptions
    @Option(help: "Who makes the change, for the audit entry (default: operator:USER).") var by: String?

    var actor: String {
        by ?? "operator:" + (ProcessInfo.processInfo.environment["SUDO_USER"] ?? NSUserName())
    }

    func controller() throws -> FirewallController {
        let loaded = try policy.load()
        let ledgerDirectory = ledger.resolved
        return try firewallCall { () throws(FirewallError) in
            try FirewallController(
                policy: loaded.firewall, nftables: try Nftables(),
                stateFile: ledger.state.resolved + "/firewall/rules.json",
                record: { drafts in try AuditTrail.record(drafts, ledger: ledgerDirectory) })
        }
    }
}

/// Runs a firewall operation, mapping its error to a message and an exit code in one place.
func firewallCall<T>(_ body: () throws(FirewallError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("firewall: \(error)")
        switch error.kind {
        case .invalidInput: throw ExitStatus.dataError
        case .notFound, .conflict: throw ExitStatus.denied
        case .unavailable, .state: throw ExitStatus.unavailable
        case .rejected: throw ExitStatus.software
        }
    }
}

struct FirewallRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Print the exact table an apply loads (as `nft -t -s list` prints it).")
    @OptionGroup var options: FirewallOptions

    func run() throws {
        print(try options.controller().render(), terminator: "")
    }
}

struct FirewallDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Show what an apply would change in the live table (exit 1 if anything).")
    @OptionGroup var options: FirewallOptions

    func run() throws {
        let controller = try options.controller()
        let diff = try firewallCall { () throws(FirewallError) in try controller.diff() }
        guard !diff.isEmpty else {
            print("no changes: the live table is the rendering")
            return
        }
        print(diff)
        throw ExitStatus.denied
    }
}

struct FirewallApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Load the desired table in one transaction (live blocks and DNS-learnt addresses are kept).")
    @OptionGroup var options: FirewallOptions
    @Option(help: "Why (for the audit entry).") var reason = "apply the policy"
    @Flag(help: "Apply even though the policy names no management subnet (22 and 9090 only from loopback).")
    var allowNoManagement = false

    func run() throws {
        let controller = try options.controller()
        if controller.ruleset.policy.management.isEmpty && !allowNoManagement {
            printError(
                "firewall apply: the policy names no management subnet (firewall.management), so SSH and 9090 "
                    + "would be reachable from loopback only; set it, or pass --allow-no-management")
            throw ExitStatus.usage
        }
        if controller.ruleset.policy.dns.servers.isEmpty {
            printError("firewall apply: warning: no firewall.dns.servers: no DNS will leave this machine")
        }
        try firewallCall { () throws(FirewallError) in try controller.apply(by: options.actor, reason: reason) }
        print("applied table inet aios (\(controller.list().count) dynamic rule(s))")
    }
}

struct FirewallRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a dynamic rule by id.")
    @Argument(help: "The rule's id (see `firewall list`).") var id: String
    @Option(help: "Why (for the audit entry).") var reason: String
    @OptionGroup var options: FirewallOptions

    func run() throws {
        let controller = try options.controller()
        let removed = try firewallCall { () throws(FirewallError) in
            try controller.remove(id: id, by: options.actor, reason: reason)
        }
        print("removed \(removed.summary)")
    }
}
