import Foundation
import Testing

/// `aios-sec mcp` against a real daemon: the Broker's tools over MCP, each call through the daemon's Gate and ledger.
@Suite("aios-sec mcp: the Broker's tools for MCP clients", .serialized)
struct MCPServerTests {
    /// The Broker's tools and the package tools: what `ExecuteTool` runs.
    static let brokerTools: Set = [
        "fs.read", "fs.list", "fs.write", "fs.mkdir", "fs.delete", "process.list", "process.spawn", "process.kill",
        "pkg.install", "pkg.update", "pkg.remove", "pkg.pip_install",
    ]

    /// A daemon where aios-agent-task may write (and delete, with confirmation) beneath DIR/demo.
    private func daemonWithGrant() throws -> (DaemonFixture, String) {
        let daemon = try DaemonFixture()
        let demo = daemon.directory + "/demo"
        try FileManager.default.createDirectory(atPath: demo, withIntermediateDirectories: true)
        for capability in ["fs:write:\(demo)/*", "fs:delete:\(demo)/*"] {
            let grant = try daemon.call(
                "grant", as: "orchestrator",
                ["--agent", "aios-agent-task", "--capability", capability, "--duration", "10m", "--reason", "mcp"])
            #expect(grant.status == 0, "\(grant.stderr)")
        }
        return (daemon, demo)
    }

    /// The ledger line of the decision a tool result names.
    private func ledgerEntry(_ daemon: DaemonFixture, of result: [String: Any]) throws -> String {
        let decision = (result["structuredContent"] as? [String: Any])?["decision"] as? [String: Any]
        let auditID = try #require(decision?["audit_id"] as? String)
        let audit = try BinaryRunner.run(["audit", "query", "--state-dir", daemon.state, "--json"])
        return try #require(audit.stdout.split(separator: "\n").first { $0.contains(auditID) }.map(String.init))
    }

    @Test("tools/list publishes the Broker's tools with the pins --print-tool-hashes prints")
    func toolsAndPins() throws {
        let daemon = try DaemonFixture()
        let mcp = try MCPProcess(daemon, as: "aios-agent-task")
        let hello = try mcp.initialize()
        let server = (hello["result"] as? [String: Any])?["serverInfo"] as? [String: Any]
        #expect(server?["name"] as? String == "aios-sec", "\(hello)")
        let list = try mcp.request(1, "tools/list")
        let tools = try #require((list["result"] as? [String: Any])?["tools"] as? [[String: Any]], "\(list)")
        #expect(Set(tools.compactMap { $0["name"] as? String }) == Self.brokerTools)
        let published = Dictionary(
            uniqueKeysWithValues: tools.map {
                ($0["name"] as? String ?? "", ($0["_meta"] as? [String: Any])?["aios.security/sha256"] as? String ?? "")
            })
        let printed = try BinaryRunner.run(["mcp", "--print-tool-hashes"])
        #expect(printed.status == 0)
        let pins = printed.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true)
        }
        #expect(pins.count == Self.brokerTools.count)
        for pin in pins where pin.count == 2 {
            #expect(published[String(pin[1])] == String(pin[0]), "pin of \(pin[1])")
        }
    }

    @Test("an allowed call runs, a denied one is a tool error with the explanation and ledger entry, both recorded")
    func allowedAndDenied() throws {
        let (daemon, demo) = try daemonWithGrant()
        let mcp = try MCPProcess(daemon, as: "aios-agent-task")
        _ = try mcp.initialize()
        let written = try mcp.call(
            1, "fs.write", ["path": demo + "/hello.txt", "content": "hello over MCP", "reason": "mcp test"])
        #expect(written["isError"] as? Bool == false, "\(written)")
        #expect(try String(contentsOfFile: demo + "/hello.txt", encoding: .utf8) == "hello over MCP")

        let denied = try mcp.call(2, "fs.write", ["path": "/etc/passwd", "content": "x"])
        #expect(denied["isError"] as? Bool == true, "\(denied)")
        let decision = (denied["structuredContent"] as? [String: Any])?["decision"] as? [String: Any]
        let auditID = try #require(decision?["audit_id"] as? String)
        #expect(!auditID.isEmpty)
        #expect(resultText(denied).hasPrefix("denied: fs:write:/etc/passwd"), "\(resultText(denied))")
        #expect(resultText(denied).contains(auditID))

        let audit = try BinaryRunner.run(["audit", "query", "--state-dir", daemon.state, "--json"])
        let lines = audit.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("\"action\":\"fs.write\"") && $0.contains("hello.txt") })
        #expect(lines.contains { $0.contains(auditID) && $0.contains("\"result\":\"denied\"") })
    }

    @Test("malformed arguments and unknown tools are tool errors naming the problem; the server keeps serving")
    func malformedCalls() throws {
        let (daemon, demo) = try daemonWithGrant()
        let mcp = try MCPProcess(daemon, as: "aios-agent-task")
        _ = try mcp.initialize()
        let number = try mcp.call(1, "fs.write", ["path": 5, "content": "x"])
        #expect(number["isError"] as? Bool == true)
        #expect(resultText(number).contains("argument 'path' must be a string"), "\(resultText(number))")
        let extra = try mcp.call(2, "fs.write", ["path": demo + "/a", "content": "x", "mode": "0777"])
        #expect(resultText(extra).contains("unknown argument 'mode'"))
        let relative = try mcp.call(3, "fs.write", ["path": "relative/a", "content": "x"])
        #expect(relative["isError"] as? Bool == true)
        #expect(resultText(relative).contains("absolute"), "the daemon's own check: \(resultText(relative))")
        let unknown = try mcp.call(4, "sec.grant", ["capability": "fs:*"])
        #expect(unknown["isError"] as? Bool == true)
        #expect(resultText(unknown).contains("unknown tool"))
        let still = try mcp.request(5, "ping")
        #expect(still["result"] != nil)
    }

    @Test("malformed JSON gets a JSON-RPC error; a line over the limit is refused and dropped; neither ends the server")
    func malformedInput() throws {
        let daemon = try DaemonFixture()
        let mcp = try MCPProcess(daemon, as: "aios-agent-task")
        _ = try mcp.initialize()
        mcp.send(line: "{this is not json")
        let parseError = try mcp.next { ($0["error"] as? [String: Any])?["code"] as? Int == -32700 }
        #expect(parseError["error"] != nil)
        // 9 MiB without a newline, then the newline: never held whole, answered once.
        let chunk = String(repeating: "A", count: 1 << 20)
        mcp.send(
            line: "{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"ping\",\"pad\":\"" + String(repeating: chunk, count: 9)
                + "\"}")
        let tooLong = try mcp.next { ($0["error"] as? [String: Any])?["code"] as? Int == -32600 }
        #expect(((tooLong["error"] as? [String: Any])?["message"] as? String)?.contains("over") == true)
        mcp.send(line: String(repeating: "[", count: 100_000))
        let nested = try mcp.next { $0["error"] != nil }
        #expect(nested["error"] != nil)
        let alive = try mcp.request(2, "ping")
        #expect(alive["result"] != nil, "\(alive)")
        #expect(mcp.process.isRunning)
    }

    @Test("a high-risk call waits for the orchestrator, then returns the outcome")
    func confirmation() throws {
        let (daemon, demo) = try daemonWithGrant()
        let victim = demo + "/victim.txt"
        try "x".write(toFile: victim, atomically: true, encoding: .utf8)
        let mcp = try MCPProcess(daemon, as: "aios-agent-task")
        _ = try mcp.initialize()
        try mcp.send(["id": 1, "method": "tools/call", "params": ["name": "fs.delete", "arguments": ["path": victim]]])
        var pendingID = ""
        for _ in 0..<100 where pendingID.isEmpty {
            Thread.sleep(forTimeInterval: 0.2)
            let pending = try daemon.call("pending", as: "orchestrator", ["--json"])
            if let range = pending.stdout.range(of: #"pending-[0-9a-f]+"#, options: .regularExpression) {
                pendingID = String(pending.stdout[range])
            }
        }
        #expect(!pendingID.isEmpty)
        #expect(FileManager.default.fileExists(atPath: victim), "nothing happens before the confirmation")
        let confirm = try daemon.call("confirm", as: "orchestrator", ["--pending-id", pendingID])
        #expect(confirm.stdout == "approved\n", "\(confirm.stderr)")
        let result = try #require(try mcp.response(to: 1)["result"] as? [String: Any])
        #expect(result["isError"] as? Bool == false, "\(result)")
        #expect(!FileManager.default.fileExists(atPath: victim))

        // Refused by the orchestrator: a tool error that says who refused and why.
        try "y".write(toFile: victim, atomically: true, encoding: .utf8)
        try mcp.send(["id": 2, "method": "tools/call", "params": ["name": "fs.delete", "arguments": ["path": victim]]])
        var second = ""
        for _ in 0..<100 where second.isEmpty {
            Thread.sleep(forTimeInterval: 0.2)
            let pending = try daemon.call("pending", as: "orchestrator", ["--json"])
            if let range = pending.stdout.range(of: #"pending-[0-9a-f]+"#, options: .regularExpression) {
                second = String(pending.stdout[range])
            }
        }
        _ = try daemon.call("confirm", as: "orchestrator", ["--pending-id", second, "--deny", "--reason", "not now"])
        let refused = try #require(try mcp.response(to: 2)["result"] as? [String: Any])
        #expect(refused["isError"] as? Bool == true)
        #expect(resultText(refused).contains("not now"), "\(resultText(refused))")
        #expect(FileManager.default.fileExists(atPath: victim))
    }

    @Test("when input ends, the answers still owed are written before the server exits")
    func endOfInput() throws {
        let (daemon, demo) = try daemonWithGrant()
        let mcp = try MCPProcess(daemon, as: "aios-agent-task")
        _ = try mcp.initialize()
        try mcp.send([
            "id": 1, "method": "tools/call",
            "params": ["name": "fs.write", "arguments": ["path": demo + "/last.txt", "content": "last"]],
        ])
        try mcp.closeInput()
        let result = try #require(try mcp.response(to: 1)["result"] as? [String: Any])
        #expect(result["isError"] as? Bool == false, "\(result)")
        mcp.process.waitUntilExit()
        #expect(mcp.process.terminationStatus == 0)
    }

    @Test("--socket (or AIOS_SOCKET and AIOS_IDENTITY) reaches the daemon's Unix socket with the same mTLS")
    func unixSocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aios-\(UUID().uuidString.prefix(8)).sock"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let daemon = try DaemonFixture(extraArguments: ["--socket", path])
        let mcp = try MCPProcess(
            daemon, as: "", arguments: ["--socket", path, "--identity", daemon.identity("aios-agent-task")])
        _ = try mcp.initialize()
        let denied = try mcp.call(1, "fs.read", ["path": "/etc/shadow"])
        #expect(denied["isError"] as? Bool == true)
        #expect(try ledgerEntry(daemon, of: denied).contains("aios-agent-task"), "decided for the identity")

        // A spawned agent finds both in its environment; no option is needed.
        let fromEnvironment = try MCPProcess(
            daemon, as: "", arguments: [],
            environment: ["AIOS_SOCKET": path, "AIOS_IDENTITY": daemon.identity("aios-agent-monitor")])
        _ = try fromEnvironment.initialize()
        let asMonitor = try fromEnvironment.call(1, "fs.read", ["path": "/etc/shadow"])
        #expect(try ledgerEntry(daemon, of: asMonitor).contains("aios-agent-monitor"))
    }

    @Test("each call presents the identity files as they are now, so a renewed certificate is used")
    func identityReadPerCall() throws {
        let (daemon, demo) = try daemonWithGrant()
        let copy = daemon.directory + "/identity-copy"
        try FileManager.default.copyItem(atPath: daemon.identity("aios-agent-task"), toPath: copy)
        let mcp = try MCPProcess(daemon, as: "", arguments: ["--server", daemon.address, "--identity", copy])
        _ = try mcp.initialize()
        let first = try mcp.call(1, "fs.write", ["path": demo + "/a.txt", "content": "as the task agent"])
        #expect(first["isError"] as? Bool == false, "\(first)")
        for file in ["key.pem", "cert.pem"] {
            try FileManager.default.removeItem(atPath: copy + "/" + file)
            try FileManager.default.copyItem(
                atPath: daemon.identity("aios-agent-monitor") + "/" + file, toPath: copy + "/" + file)
        }
        let second = try mcp.call(2, "fs.write", ["path": demo + "/b.txt", "content": "as the monitor"])
        #expect(second["isError"] as? Bool == true)
        #expect(try ledgerEntry(daemon, of: second).contains("aios-agent-monitor"), "decided for the new files")
    }

    @Test("a client that goes away while a high-risk call waits: the server exits, the call is cancelled, never run")
    func clientGone() throws {
        let (daemon, demo) = try daemonWithGrant()
        let victim = demo + "/victim.txt"
        try "x".write(toFile: victim, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = BinaryRunner.binary
        process.arguments = ["mcp", "--server", daemon.address, "--identity", daemon.identity("aios-agent-task")]
        let (input, output) = (Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let messages = [
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","#
                + #""capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fs.delete","arguments":{"path":"\#(victim)"}}}"#,
        ]
        input.fileHandleForWriting.write(Data(messages.map { $0 + "\n" }.joined().utf8))
        var pending = false
        for _ in 0..<100 where !pending {
            Thread.sleep(forTimeInterval: 0.2)
            pending = try daemon.call("pending", as: "orchestrator", ["--json"]).stdout.contains("pending-")
        }
        #expect(pending)
        // The client dies: both of its ends close.
        try output.fileHandleForReading.close()
        try input.fileHandleForWriting.close()
        for _ in 0..<150 where process.isRunning { Thread.sleep(forTimeInterval: 0.2) }
        #expect(!process.isRunning, "the server ends when nobody reads its answers")
        if process.isRunning { process.terminate() }
        for _ in 0..<100 where pending {
            Thread.sleep(forTimeInterval: 0.2)
            pending = try daemon.call("pending", as: "orchestrator", ["--json"]).stdout.contains("pending-")
        }
        #expect(!pending, "the daemon cancelled the call")
        #expect(FileManager.default.fileExists(atPath: victim))
    }

    @Test("a long-lived server keeps calling across three renewals of its identity")
    func acrossRenewals() throws {
        let daemon = try DaemonFixture(extraArguments: ["--identity-lifetime", "15s"])
        let demo = daemon.directory + "/demo"
        try FileManager.default.createDirectory(atPath: demo, withIntermediateDirectories: true)
        let grant = try daemon.call(
            "grant", as: "orchestrator",
            ["--agent", "aios-agent-task", "--capability", "fs:write:\(demo)/*", "--duration", "10m", "--reason", "x"])
        #expect(grant.status == 0, "\(grant.stderr)")
        let mcp = try MCPProcess(daemon, as: "aios-agent-task")
        _ = try mcp.initialize()
        var certificates: Set<String> = []
        var id = 0
        while certificates.count < 4 && id < 60 {
            id += 1
            let result = try mcp.call(id, "fs.write", ["path": demo + "/tick.txt", "content": "\(id)"])
            #expect(result["isError"] as? Bool == false, "call \(id): \(resultText(result))")
            certificates.insert(
                try String(contentsOfFile: daemon.identity("aios-agent-task") + "/cert.pem", encoding: .utf8))
            Thread.sleep(forTimeInterval: 1)
        }
        #expect(certificates.count >= 4, "the first certificate and three renewals were used")
    }

    @Test("an unreadable identity is a usage error; a daemon that is not there, unavailable")
    func startup() throws {
        let missing = try BinaryRunner.run(["mcp", "--identity", "/nonexistent"])
        #expect(missing.status == 64)
        let daemon = try DaemonFixture()
        let identity = daemon.identity("aios-agent-task")
        daemon.stop()
        let down = try BinaryRunner.run(["mcp", "--server", daemon.address, "--identity", identity])
        #expect(down.status == 69, "\(down.stderr)")
    }
}
