import AIOSProto
import Foundation
import GRPCCore
import MCP
import Policy
import Testing

@testable import MCPBridge

@Suite("tools/call: arguments to ExecuteTool, answers to tool results")
struct ToolCallTests {
    let write = SecurityPolicy.builtin().tools.tools["fs.write"]!

    @Test("string arguments become the request; reason and task_id are the call's own fields")
    func wellFormed() throws {
        let call = try ToolCall(
            definition: write,
            arguments: [
                "path": "/tmp/a", "content": "hi", "reason": "deploy", "task_id": "task-1",
            ])
        #expect(call.request.tool == "fs.write")
        #expect(call.request.arguments == ["path": "/tmp/a", "content": "hi"])
        #expect(call.request.reason == "deploy")
        #expect(call.request.taskID == "task-1")
    }

    @Test(
        "malformed arguments are named, none reaches the daemon",
        arguments: [
            (["path": Value.int(5), "content": "x"], "argument 'path' must be a string, not a number"),
            (["path": "/a", "content": "x", "mode": "0644"], "unknown argument 'mode'"),
            (["content": "x"], "missing argument 'path' (path)"),
            (["path": "/a", "content": .array(["x"])], "argument 'content' must be a string, not an array"),
            (["path": "/a", "content": "x", "reason": .null], "argument 'reason' must be a string, not null"),
        ] as [([String: Value], String)])
    func malformed(arguments: [String: Value], problem: String) {
        #expect(throws: ToolCallProblems.self) { try ToolCall(definition: write, arguments: arguments) }
        do throws(ToolCallProblems) {
            _ = try ToolCall(definition: write, arguments: arguments)
        } catch {
            #expect(error.problems.contains(problem), "\(error.problems)")
        }
    }

    @Test("a data: URL the SDK already decoded is refused rather than written altered")
    func dataURL() throws {
        let decoded = try JSONDecoder().decode(Value.self, from: Data(#""data:,hello""#.utf8))
        #expect(throws: ToolCallProblems.self) {
            try ToolCall(definition: write, arguments: ["path": "/a", "content": decoded])
        }
    }

    @Test("a denial is a tool error carrying the explanation and the ledger entry")
    func denied() {
        var response = Aios_Security_V1_ExecuteToolResponse()
        response.decision.allowed = false
        response.decision.capability = "fs:write:/etc/passwd"
        response.decision.explanation = "no capability of aios-agent-task covers it"
        response.decision.auditID = "entry-42"
        let result = ToolResult.answer(response)
        #expect(result.isError == true)
        guard case .text(let text, _, _)? = result.content.first else {
            Issue.record("no text")
            return
        }
        #expect(text.contains("no capability of aios-agent-task covers it") && text.contains("entry-42"))
        #expect(result.structuredContent?.objectValue?["decision"]?.objectValue?["audit_id"] == "entry-42")
    }

    @Test("an allowed call returns the output; bytes that are not UTF-8 as base64")
    func allowed() {
        var response = Aios_Security_V1_ExecuteToolResponse()
        response.decision.allowed = true
        response.output = Data([0xFF, 0x00])
        response.resultAuditID = "entry-7"
        let result = ToolResult.answer(response)
        #expect(result.isError == false)
        #expect(result.content == [.text(text: "/wA=", annotations: nil, _meta: nil)])
        #expect(result.structuredContent?.objectValue?["output_encoding"] == "base64")
    }

    @Test("a status from the daemon is a tool error, not a protocol error")
    func status() {
        let result = ToolResult.failure(RPCError(code: .invalidArgument, message: "must be absolute"), tool: "fs.read")
        #expect(result.isError == true)
        #expect(result.content.count == 1)
    }
}

@Suite("OpenRequests: the end of input waits for the answers owed")
struct OpenRequestsTests {
    @Test("a request opens its id, its answer closes it; notifications and answers to us open nothing")
    func requests() {
        var open = OpenRequests()
        open.received(Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#.utf8))
        open.received(Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8))
        open.received(Array(#"{"jsonrpc":"2.0","id":"s-1","result":{}}"#.utf8))
        open.received(Array("{not json".utf8))
        // The SDK reads a message with a result as a response and never answers it: nothing is owed.
        open.received(Array(#"{"jsonrpc":"2.0","id":9,"method":"ping","result":{}}"#.utf8))
        #expect(open.ids == [.number(1)])
        open.sent(Data(#"{"jsonrpc":"2.0","id":1,"result":{}}"#.utf8))
        #expect(open.isEmpty)
    }

    @Test("batches count each member; a cancelled request is owed nothing")
    func batchesAndCancellation() {
        var open = OpenRequests()
        open.received(
            Array(#"[{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#.utf8))
        #expect(open.ids == [.string("a"), .number(2)])
        open.received(Array(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"a"}}"#.utf8))
        open.sent(Data(#"[{"jsonrpc":"2.0","id":2,"result":{}}]"#.utf8))
        #expect(open.isEmpty)
    }
}

@Suite("MCPBridge.call: a bounded number of calls wait on the daemon")
struct CallsInFlightTests {
    /// Holds every call until opened; after that, lets calls through at once.
    actor Barrier {
        private var waiting: [CheckedContinuation<Void, Never>] = []
        private var opened = false
        var count: Int { waiting.count }

        func wait() async {
            guard !opened else { return }
            await withCheckedContinuation { waiting.append($0) }
        }

        func open() {
            opened = true
            for waiter in waiting { waiter.resume() }
            waiting = []
        }
    }

    @Test("with 16 calls waiting, the next is refused at once; once they finish, calls pass again")
    func ceiling() async throws {
        let barrier = Barrier()
        let bridge = MCPBridge(catalogue: SecurityPolicy.builtin().tools, names: ["fs.read"]) { _ in
            await barrier.wait()
            var response = Aios_Security_V1_ExecuteToolResponse()
            response.decision.allowed = true
            return response
        }
        let parameters = CallTool.Parameters(name: "fs.read", arguments: ["path": "/etc/hostname"])
        await withTaskGroup(of: CallTool.Result.self) { group in
            for _ in 0..<MCPBridge.maximumCallsInFlight { group.addTask { await bridge.call(parameters) } }
            while await barrier.count < MCPBridge.maximumCallsInFlight { await Task.yield() }
            let refused = await bridge.call(parameters)
            #expect(refused.isError == true)
            #expect(refused.content.first.map { "\($0)" }?.contains("calls already wait") == true)
            await barrier.open()
            for await result in group { #expect(result.isError == false) }
        }
        #expect(await bridge.call(parameters).isError == false)
    }
}
