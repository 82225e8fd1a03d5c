import AIOSProto
import MCP
import Policy
import Synchronization

/// The MCP server `aios-sec mcp` runs: the Broker's tools as published from the catalogue, each call handed to the
/// daemon's `ExecuteTool` as the caller's own identity, so it passes the same Gate, confirmation and ledger as any
/// gRPC call. This type decides nothing: it shapes calls and answers.
public struct MCPBridge: Sendable {
    public typealias Execute =
        @Sendable (Aios_Security_V1_ExecuteToolRequest) async throws -> Aios_Security_V1_ExecuteToolResponse

    /// The most calls waiting on the daemon at once; more are answered with a tool error at once.
    public static let maximumCallsInFlight = 16

    public let tools: [PublishedTool]
    private let byName: [String: PublishedTool]
    private let execute: Execute
    private let inFlight = CallsInFlight(maximum: maximumCallsInFlight)

    /// `names`: the tools the Broker runs; those the catalogue defines are published, in name order.
    public init(catalogue: ToolCatalogue, names: [String], execute: @escaping Execute) {
        tools = Self.published(catalogue: catalogue, names: names)
        byName = Dictionary(tools.map { ($0.definition.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.execute = execute
    }

    public static func published(catalogue: ToolCatalogue, names: [String]) -> [PublishedTool] {
        Set(names).sorted().compactMap { catalogue.tools[$0] }.map(PublishedTool.init)
    }

    /// One `tools/call`: always a result, an error result when the call was refused, malformed or failed.
    public func call(_ parameters: CallTool.Parameters) async -> CallTool.Result {
        // The name is the client's, of any length: messages repeat at most a name's worth of it.
        let name = String(parameters.name.prefix(256))
        guard let published = byName[parameters.name] else {
            let known = tools.map(\.definition.name).joined(separator: ", ")
            return ToolResult.failure(
                ToolCallProblems(tool: name, problems: ["unknown tool (known: \(known))"]), tool: name)
        }
        let call: ToolCall
        do {
            call = try ToolCall(definition: published.definition, arguments: parameters.arguments)
        } catch {
            return ToolResult.failure(error, tool: name)
        }
        guard inFlight.enter() else {
            return ToolResult.failure(
                ToolCallProblems(
                    tool: name, problems: ["\(Self.maximumCallsInFlight) calls already wait for the daemon"]),
                tool: name)
        }
        defer { inFlight.leave() }
        do {
            return ToolResult.answer(try await execute(call.request))
        } catch {
            return ToolResult.failure(error, tool: name)
        }
    }

    /// Serves MCP on `transport` until its input ends and every request has been answered.
    public func run(on transport: any Transport, version: String, instructions: String) async throws {
        let server = Server(
            name: "aios-sec", version: version, instructions: instructions,
            capabilities: Server.Capabilities(tools: .init(listChanged: false)))
        let tools = tools.map(\.tool)
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: tools) }
        await server.withMethodHandler(CallTool.self) { [self] parameters in await call(parameters) }
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
        await server.stop()
    }
}

/// A counter of calls waiting on the daemon, with a ceiling.
final class CallsInFlight: Sendable {
    private let count = Mutex(0)
    let maximum: Int

    init(maximum: Int) { self.maximum = maximum }

    func enter() -> Bool {
        count.withLock { count in
            guard count < maximum else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }
}
