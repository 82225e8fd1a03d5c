import Foundation
import Testing

/// `aios-sec mcp` as a child process, spoken to in raw JSON-RPC lines, as an MCP client would over stdio.
final class MCPProcess: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let lock = NSLock()
    private var received: [[String: Any]] = []
    private var outputEnded = false
    private let arrived = DispatchSemaphore(value: 0)

    /// `arguments`: instead of `--server ADDRESS --identity STATE/identities/IDENTITY`.
    /// `environment`: added to this process's.
    init(
        _ daemon: DaemonFixture, as identity: String, arguments: [String]? = nil, environment: [String: String] = [:]
    ) throws {
        process.executableURL = BinaryRunner.binary
        process.arguments =
            ["mcp"] + (arguments ?? ["--server", daemon.address, "--identity", daemon.identity(identity)])
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let handle = output.fileHandleForReading
        Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[(newline + 1)...])
                    let message = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
                    lock.withLock { received.append(message ?? ["unparsable": String(decoding: line, as: UTF8.self)]) }
                    arrived.signal()
                }
            }
            lock.withLock { outputEnded = true }
            arrived.signal()
        }.start()
    }

    func send(line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func send(_ message: [String: Any]) throws {
        var message = message
        message["jsonrpc"] = "2.0"
        let data = try JSONSerialization.data(withJSONObject: message, options: [.withoutEscapingSlashes])
        send(line: String(decoding: data, as: UTF8.self))
    }

    /// The first message received that `matches`, waiting up to `seconds`.
    func next(within seconds: Double = 120, where matches: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date() + seconds
        while true {
            let found: [String: Any]? = lock.withLock {
                guard let index = received.firstIndex(where: matches) else { return nil }
                return received.remove(at: index)
            }
            if let found { return found }
            if lock.withLock({ outputEnded }) { throw Failure(message: "stdout closed; stderr: \(stderr())") }
            guard arrived.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .success else {
                throw Failure(message: "no answer within \(seconds) s; stderr: \(stderr())")
            }
        }
    }

    func response(to id: Int) throws -> [String: Any] {
        try next { ($0["id"] as? Int) == id }
    }

    /// Sends a request and waits for its answer.
    func request(_ id: Int, _ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        try send(["id": id, "method": method, "params": params])
        return try response(to: id)
    }

    /// The MCP handshake.
    func initialize() throws -> [String: Any] {
        let answer = try request(
            0, "initialize",
            [
                "protocolVersion": "2025-06-18", "capabilities": [String: Any](),
                "clientInfo": ["name": "integration-test", "version": "1"],
            ])
        try send(["method": "notifications/initialized"])
        return answer
    }

    /// `tools/call`: the result object.
    func call(_ id: Int, _ tool: String, _ arguments: [String: Any]) throws -> [String: Any] {
        let answer = try request(id, "tools/call", ["name": tool, "arguments": arguments])
        return try #require(answer["result"] as? [String: Any], "\(answer)")
    }

    func closeInput() throws { try input.fileHandleForWriting.close() }

    func stderr() -> String {
        guard !process.isRunning else { return "(running)" }
        return String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// The text of a tool result's first content item.
func resultText(_ result: [String: Any]) -> String {
    ((result["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
}
