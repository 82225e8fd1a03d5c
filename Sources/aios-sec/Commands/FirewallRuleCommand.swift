import ArgumentParser
import Firewall
import Foundation

/// `firewall allow` and `firewall deny`: the same options, a different action.
enum FirewallRuleCommand {
    struct RuleOptions: ParsableArguments {
        @Flag(help: "Inbound (with --from) or outbound (with --to).") var direction: FirewallRule.Direction
        @Option(help: "TCP ports, comma-separated.") var tcp: String?
        @Option(help: "UDP ports, comma-separated.") var udp: String?
        @Option(help: "Inbound: the source (any, an address or prefix).") var from: String?
        @Option(help: "Outbound: the destination (any, an address, a prefix, or a name such as *.example.com).")
        var to: String?
        @Option(help: "The rule's id (default: the next free rN).") var id: String?
        @Option(help: "Why (kept with the rule and in the audit entry).") var reason: String

        func validate() throws {
            guard tcp == nil || udp == nil else { throw ValidationError("give --tcp or --udp, not both") }
            guard (direction == .inbound) == (to == nil), (direction == .outbound) == (from == nil) else {
                throw ValidationError("--in takes --from, --out takes --to")
            }
        }

        var transport: FirewallRule.Transport { tcp != nil ? .tcp : udp != nil ? .udp : .any }

        func ports() throws -> [UInt16] {
            guard let text = tcp ?? udp else { return [] }
            return try text.split(separator: ",").map { item in
                guard let port = UInt16(item.trimmingCharacters(in: .whitespaces)), port > 0 else {
                    throw ValidationError("'\(item)' is not a port (1-65535)")
                }
                return port
            }
        }

        func add(_ action: FirewallRule.Action, options: FirewallOptions) throws {
            let controller = try options.controller()
            let ports = try ports()
            let rule = try firewallCall { () throws(FirewallError) in
                let peer = try FirewallPeer(parsing: from ?? to ?? "any")
                return action == .allow
                    ? try controller.allow(
                        direction, transport: transport, ports: ports, peer: peer, id: id, by: options.actor,
                        reason: reason)
                    : try controller.deny(
                        direction, transport: transport, ports: ports, peer: peer, id: id, by: options.actor,
                        reason: reason)
            }
            print("added \(rule.summary)")
        }
    }

    struct Allow: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allow",
            abstract: "Add an allow rule: --in --tcp 8080 --from 10.0.0.0/8, or --out --tcp 443 --to '*.github.com'.")
        @OptionGroup var rule: RuleOptions
        @OptionGroup var options: FirewallOptions
        func run() throws { try rule.add(.allow, options: options) }
    }

    struct Deny: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deny",
            abstract: "Add a deny rule (checked before every accept; cuts established flows too).")
        @OptionGroup var rule: RuleOptions
        @OptionGroup var options: FirewallOptions
        func run() throws { try rule.add(.deny, options: options) }
    }
}

extension FirewallRule.Direction: EnumerableFlag {
    public static func name(for value: Self) -> NameSpecification {
        value == .inbound ? .customLong("in") : .customLong("out")
    }
}
