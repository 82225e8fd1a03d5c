import AIOSProto
import ArgumentParser
import Daemon
import Foundation
import GRPCCore
import Logging
import MCPBridge
import Policy

struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the Broker's tools over the Model Context Protocol (stdio), calling the daemon as DIR.",
        discussion: """
            Every tools/call is the daemon's ExecuteTool as the identity in DIR: the same Gate, confirmation and
            audit ledger as `aios-sec call exec`. A refused call is a tool error carrying the decision's explanation
            and its ledger entry. Diagnostics go to stderr; stdout carries only MCP messages.
            """)

    @Option(
        help: "Identity directory (key.pem, cert.pem, bundle.pem); default $AIOS_IDENTITY, set for a spawned agent.")
    var identity: String?
    @Option(help: "The daemon: HOST:PORT or unix:PATH (default 127.0.0.1:9091).") var server: String?
    @Option(help: "The daemon's Unix socket (instead of --server); default $AIOS_SOCKET, set for a spawned agent.")
    var socket: String?
    @Option(help: "The longest a call may take, confirmation included, in seconds.") var callTimeout = 900
    @Option(help: "The largest MCP message accepted on stdin, in bytes.")
    var maximumMessageBytes = 8 << 20
    @Flag(help: "Print each published tool's SHA-256 pin and name, then exit.") var printToolHashes = false

    func validate() throws {
        guard printToolHashes || identity ?? Self.environment("AIOS_IDENTITY") != nil else {
            throw ValidationError("--identity DIR is required (or AIOS_IDENTITY in the environment)")
        }
        guard server == nil || socket == nil else { throw ValidationError("give --server or --socket, not both") }
        guard callTimeout > 0 else { throw ValidationError("--call-timeout must be positive") }
        guard maximumMessageBytes >= 1 << 16 else { throw ValidationError("--maximum-message-bytes must be ≥ 65536") }
    }

    private static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What `ExecuteTool` runs: the Broker's tools and the package tools.
    static let toolNames = Broker.toolNames + PackageRequests.tools.sorted()

    func run() async throws {
        let catalogue = SecurityPolicy.builtin().tools
        if printToolHashes {
            for tool in MCPBridge.published(catalogue: catalogue, names: Self.toolNames) {
                print("\(tool.sha256)  \(tool.definition.name)")
            }
            return
        }
        // Inside an agent's sandbox the daemon's socket and the agent's identity are in its environment.
        let socket = server == nil ? socket ?? Self.environment("AIOS_SOCKET") : nil
        let endpoint = DaemonEndpoint(
            server: socket.map { "unix:" + $0 } ?? server ?? "127.0.0.1:9091",
            identity: identity ?? Self.environment("AIOS_IDENTITY") ?? "")
        if let problem = endpoint.problem {
            printError("mcp: \(problem)")
            throw ExitStatus.usage
        }
        let caller: String
        var startup = CallOptions.defaults
        startup.timeout = .seconds(15)
        do {
            caller = try await endpoint.withClient { [startup] in
                try await $0.status(Aios_Security_V1_StatusRequest(), options: startup).caller
            }
        } catch let error as RPCError {
            printError(
                "mcp: the daemon at \(endpoint.server) refused \(endpoint.identity): \(error.code): \(error.message)")
            throw ConnectionOptions.exitCode(error.code)
        } catch {
            printError("mcp: the daemon at \(endpoint.server) cannot be reached: \(error)")
            throw ExitStatus.unavailable
        }
        var options = CallOptions.defaults
        options.timeout = .seconds(callTimeout)
        let bridge = MCPBridge(catalogue: catalogue, names: Self.toolNames) { [options] request in
            // One connection per call: the identity files are read afresh, so a renewed certificate is used.
            try await endpoint.withClient { try await $0.executeTool(request, options: options) }
        }
        var logger = Logger(label: "aios-sec.mcp") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        // A client that stops reading makes writes fail with EPIPE (the send fails, the server reads on until its
        // input ends) instead of killing the process mid-call.
        signal(SIGPIPE, SIG_IGN)
        let transport = StdioLineTransport(
            maximumMessageBytes: maximumMessageBytes, drainLimit: .seconds(callTimeout + 5), logger: logger)
        printError("mcp: serving \(bridge.tools.count) tools as \(caller)")
        try await bridge.run(
            on: transport, version: DaemonCore.version,
            instructions: """
                The tools of the aiOS Security Broker, called as \(caller). The daemon's policy decides every call \
                and records it in its audit ledger; a refused call returns the decision's explanation. High-risk \
                calls wait until the orchestrator confirms or refuses them.
                """)
    }
}
