import ArgumentParser
import Capabilities
import Firewall
import Foundation
import Policy

struct FirewallListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the dynamic rules and the addresses blocked now.")
    @OptionGroup var options: FirewallOptions
    @OptionGroup var output: OutputOptions

    private struct Line: Encodable {
        var kind: String
        var id: String?
        var rule: String?
        var author: String?
        var address: String?
        var secondsLeft: Int?
        var reason: String?
    }

    func run() throws {
        let controller = try options.controller()
        let blocks = try firewallCall { () throws(FirewallError) in try controller.blocklist.list() }
        var lines = controller.list().map {
            Line(kind: "rule", id: $0.id, rule: $0.summary, author: $0.author, reason: $0.reason)
        }
        lines += blocks.map {
            Line(
                kind: "block", address: "\($0.address)", secondsLeft: Int($0.remaining / .seconds(1)), reason: $0.reason
            )
        }
        for line in lines {
            if output.json {
                try printJSON(line)
            } else if line.kind == "rule" {
                print("\(line.rule ?? "") — \(line.reason ?? "") (by \(line.author ?? "?"))")
            } else {
                print("blocked \(line.address ?? "") for \(line.secondsLeft ?? 0)s more — \(line.reason ?? "")")
            }
        }
    }
}

struct FirewallBlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Block an address both ways for a while; the kernel lifts the block by itself (--for 1h).")
    @Argument(help: "The IPv4 or IPv6 address.") var address: String
    @Option(name: .customLong("for"), help: "How long (10m, 1h, 2d; default: the policy's firewall.block_for).")
    var duration: String?
    @Option(help: "Why (kept with the block and in the audit entry).") var reason: String
    @OptionGroup var options: FirewallOptions

    func run() throws {
        guard let parsed = IPAddress(address) else {
            printError("firewall block: '\(address)' is not an IPv4 or IPv6 address")
            throw ExitStatus.dataError
        }
        let controller = try options.controller()
        let length: GrantDuration
        do {
            length = try duration.map { try GrantDuration(parsing: $0) } ?? controller.ruleset.policy.defaultBlock
        } catch {
            printError("firewall block: --for: \(error)")
            throw ExitStatus.usage
        }
        try firewallCall { () throws(FirewallError) in
            try controller.block(parsed, for: .milliseconds(length.milliseconds), by: options.actor, reason: reason)
        }
        print("blocked \(parsed) for \(length)")
    }
}

struct FirewallUnblockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unblock", abstract: "Lift a block now.")
    @Argument(help: "The IPv4 or IPv6 address.") var address: String
    @Option(help: "Why (for the audit entry).") var reason: String
    @OptionGroup var options: FirewallOptions

    func run() throws {
        guard let parsed = IPAddress(address) else {
            printError("firewall unblock: '\(address)' is not an IPv4 or IPv6 address")
            throw ExitStatus.dataError
        }
        let controller = try options.controller()
        try firewallCall { () throws(FirewallError) in
            try controller.unblock(parsed, by: options.actor, reason: reason)
        }
        print("unblocked \(parsed)")
    }
}
