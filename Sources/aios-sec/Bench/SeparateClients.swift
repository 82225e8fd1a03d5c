import Foundation

/// `bench serve`'s clients in processes of their own: this binary's `bench serve-client` (Swift) and, when a
/// Python with the SDK is given, `Benchmarks/sdk_client.py` — each against the daemon over TCP and over its Unix
/// socket, Status and Authorize, one after the other in the same run.
struct SeparateClients {
    let identity: String
    let seconds: Double
    let streams: Int
    let connections: Int
    /// A Python interpreter that imports `aios_security`, and the client script; nil: Swift only.
    let python: (interpreter: String, script: String)?

    struct Result {
        let client: String
        let transport: String
        let rpc: String
        let line: String
    }

    /// Every (client, transport, rpc) against `servers` (transport name → address).
    func run(servers: [(String, String)]) throws -> [Result] {
        var results: [Result] = []
        for (transport, server) in servers {
            for rpc in ["status", "authorize"] {
                let swift = try Self.launch(
                    CommandLine.arguments[0],
                    [
                        "bench", "serve-client", "--server", server, "--identity", identity, "--rpc", rpc,
                        "--seconds", String(seconds), "--streams", String(streams), "--connections",
                        String(connections),
                    ])
                results.append(Result(client: "swift", transport: transport, rpc: rpc, line: swift))
                if let python {
                    let line = try Self.launch(
                        python.interpreter,
                        [
                            python.script, "--server", server, "--identity", identity, "--rpc", rpc, "--seconds",
                            String(seconds), "--concurrency", String(streams),
                        ])
                    results.append(Result(client: "python", transport: transport, rpc: rpc, line: line))
                }
            }
        }
        return results
    }

    /// Runs a client to its end; its `SERVE_CLIENT` line's JSON, or why there is none.
    static func launch(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("SERVE_CLIENT ") }) else {
            return "failed (exit \(process.terminationStatus)): \(text.suffix(300))"
        }
        return String(line.dropFirst("SERVE_CLIENT ".count))
    }
}
