import AIOSProto
import ArgumentParser
import Foundation

struct CallFirewall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firewall",
        abstract: "Change or list the daemon's firewall (an agent holding firewall:*, the orchestrator, an operator).",
        discussion: """
            allow|deny --direction in|out [--transport tcp|udp|any] [--port N]… [--peer ADDRESS|PREFIX|NAME|any]
            [--id ID] --reason WHY · remove --id ID --reason WHY · block --address IP [--duration 1h] --reason WHY ·
            unblock --address IP --reason WHY · list
            """)

    enum Operation: String, ExpressibleByArgument, CaseIterable {
        case allow, deny, remove, block, unblock, list
    }

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "allow, deny, remove, block, unblock or list.") var operation: Operation
    @Option(help: "in or out.") var direction = ""
    @Option(help: "tcp, udp or any.") var transport = ""
    @Option(name: .customLong("port"), help: "A port (repeatable).") var ports: [UInt32] = []
    @Option(help: "An address, a prefix, a name (*.example.org) or any.") var peer = ""
    @Option(help: "The rule's id.") var id = ""
    @Option(help: "The address to block or unblock.") var address = ""
    @Option(help: "How long a block lasts, e.g. 1h.") var duration = ""
    @Option(help: "Why (required for changes).") var reason = ""

    func run() async throws {
        if operation == .list {
            let response = try await connection.withClient { client in
                try await client.listFirewall(Aios_Security_V1_ListFirewallRequest())
            }
            for rule in response.rules { print(Self.line(rule)) }
            for blocked in response.blocked {
                print("blocked \(blocked.address) for \(blocked.remainingSeconds) s — \(blocked.reason)")
            }
            return
        }
        var request = Aios_Security_V1_ChangeFirewallRequest()
        request.operation = operation.rawValue
        request.direction = direction
        request.transport = transport
        request.ports = ports
        request.peer = peer
        request.id = id
        request.address = address
        request.duration = duration
        request.reason = reason
        let response = try await connection.withClient { [request] client in try await client.changeFirewall(request) }
        if response.hasRule { print(Self.line(response.rule)) } else { print("\(operation.rawValue) \(address): done") }
    }

    static func line(_ rule: Aios_Security_V1_FirewallRule) -> String {
        "\(rule.id) \(rule.action) \(rule.direction) \(rule.transport) "
            + "\(rule.ports.map(String.init).joined(separator: ",")) \(rule.peer) — \(rule.reason) (\(rule.author))"
    }
}
