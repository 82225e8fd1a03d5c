import Foundation
import Testing

/// A running `aios-sec serve` on a free loopback port, with its own state directory and vault; stopped with
/// SIGTERM (a graceful shutdown) when the test ends.
final class DaemonFixture {
    let directory: String
    let vault: String
    private(set) var address = ""

    var state: String { directory + "/state" }
    func identity(_ name: String) -> String { state + "/identities/" + name }

    /// The network namespace the daemon and every call run in; nil: this machine's.
    let namespace: String?
    let environment: [String: String]

    private let arguments: [String]
    private(set) var process = Process()
    private var output = Pipe()

    /// `policy`: YAML written to the fixture's own directory and given to `serve --policy`; `environment`: variables
    /// for the daemon only, beside the test process's own; `prepare`: called with the state directory (created,
    /// empty) before the daemon starts; `vault`: the keyring vault's name (default: a new one per fixture).
    init(
        extraArguments: [String] = [], namespace: String? = nil, policy: String? = nil,
        environment: [String: String] = [:], vault: String? = nil, prepare: ((String) throws -> Void)? = nil
    ) throws {
        self.namespace = namespace
        self.environment = environment
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("aios-daemon-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.vault = vault ?? "aios:vault:test-\(UUID().uuidString)"
        if let prepare {
            try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
            try prepare(directory + "/state")
        }
        var extraArguments = extraArguments
        if let policy {
            try policy.write(toFile: directory + "/policy.yaml", atomically: true, encoding: .utf8)
            extraArguments += ["--policy", directory + "/policy.yaml"]
        }
        arguments =
            [
                "serve", "--state-dir", directory + "/state", "--vault", self.vault, "--listen", "127.0.0.1:0",
                "--console",
                "127.0.0.1:0",
            ] + extraArguments
        try start()
    }

    private func start() throws {
        process = Process()
        output = Pipe()
        BinaryRunner.configure(process, arguments, namespace: namespace)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let handle = output.fileHandleForReading
        var text = ""
        let deadline = Date() + 60
        while Date() < deadline, !text.contains("listening on ") {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: #"listening on (\S+)"#, options: .regularExpression) else {
            throw FixtureError(message: "the daemon did not start: \(text)")
        }
        address = String(text[range].dropFirst("listening on ".count))
    }

    /// Stops the daemon gracefully and starts it again on the same state (a new port).
    func restart() throws {
        stop()
        try start()
    }

    struct FixtureError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// `aios-sec call VERB --server … --identity STATE/identities/AS …`
    func call(_ verb: String, as identity: String, _ arguments: [String] = [], timeout: TimeInterval? = nil) throws
        -> BinaryRunner.Output
    {
        try BinaryRunner.run(
            ["call", verb, "--server", address, "--identity", self.identity(identity)] + arguments,
            namespace: namespace,
            timeout: timeout)
    }

    /// Stops the daemon gracefully; returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit {
        stop()
        _ = try? BinaryRunner.run(["secrets", "forget", "--vault", vault])
        try? FileManager.default.removeItem(atPath: directory)
    }
}
