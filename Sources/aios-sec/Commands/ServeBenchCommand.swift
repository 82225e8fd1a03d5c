import AIOSProto
import ArgumentParser
import Audit
import Daemon
import Foundation
import GRDB
import GRPCCore
import GRPCNIOTransportHTTP2
import PKI
import Policy
import Secrets

/// `aios-sec bench serve`: the daemon in this process on a loopback port, clients over mTLS with 64 concurrent
/// streams; Authorize (each decision durable in the ledger before its reply) and ExecuteTool(fs.read, 4 KiB);
/// then, as the floor, plain SQLite insert loops on the same disk in the same run.
struct ServeBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Authorize and ExecuteTool(fs.read) over loopback mTLS, 64 streams.")

    @Option(help: "Concurrent streams.") var streams = 64
    @Option(help: "HTTP/2 connections the streams are spread over.") var connections = 4
    @Option(help: "Seconds per measurement.") var seconds = 5.0
    @Option(help: "Where the throw-away state directory goes (the ledger's disk matters).") var directory: String?

    func run() async throws {
        let base = directory ?? FileManager.default.temporaryDirectory.path
        let state = DaemonState(directory: base + "/aios-bench-serve-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: state.directory) }
        let vault = try KeyringVault.openOrCreate(name: "aios:vault:bench-serve-\(getpid())")
        defer { try? vault.destroy() }
        let policy = SecurityPolicy.builtin()
        let authority = try state.prepare(policy: policy, vault: vault, keySource: nil)
        let ledger = try Ledger(directory: state.ledger, signer: try AuditKeys.loadOrCreate(in: state.ledger))
        // No rate limit here: the benchmark measures the daemon, not the limiter.
        let core = DaemonCore(
            policy: policy, ledger: ledger, ledgerDirectory: state.ledger, denyList: authority.denyList(),
            limiter: RateLimiter(rate: 1e12, burst: 1e12),
            protected: ProtectedPaths(stateDirectory: state.directory, ledgerDirectory: state.ledger, policyFile: nil))
        // Outside the state directory: the daemon's own state is protected from every capability.
        let file = base + "/aios-bench-read-\(getpid()).txt"
        try Data(repeating: 0x61, count: 4096).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let bound = AsyncStream<String>.makeStream()
        let server = DaemonServer(
            core: core, state: state, authority: SharedAuthority(authority), address: .tcp(host: "127.0.0.1", port: 0),
            broker: Broker(
                protected: core.protected, backups: BackupStore(directory: state.directory + "/backups")),
            budgets: .unlimited)
        let serving = Task { try await server.run { bound.continuation.yield($0) } }
        var iterator = bound.stream.makeAsyncIterator()
        guard let address = await iterator.next(), let port = Int(address.split(separator: ":").last ?? "") else {
            throw ExitStatus.software
        }
        let identity = state.identity("aios-agent-system")

        // The transport's ceiling: a call that writes nothing to the ledger.
        let statusRun = try await measure(port: port, identity: identity) { client in
            _ = try await client.status(Aios_Security_V1_StatusRequest())
        }
        var authorize = Aios_Security_V1_AuthorizeRequest()
        authorize.tool = "fs.read"
        authorize.arguments = ["path": "/etc/hosts"]
        let authorizeRun = try await measure(port: port, identity: identity) { [authorize] client in
            let response = try await client.authorize(authorize)
            precondition(response.decision.allowed)
        }
        var read = Aios_Security_V1_ExecuteToolRequest()
        read.tool = "fs.read"
        read.arguments = ["path": file]
        let readRun = try await measure(port: port, identity: identity) { [read] client in
            let response = try await client.executeTool(read)
            precondition(response.output.count == 4096)
        }
        serving.cancel()
        _ = try? await serving.value
        let floor = try sqliteFloor(directory: state.directory)

        print(statusRun.line("Status (no ledger write: the mTLS gRPC ceiling)"))
        print(authorizeRun.line("Authorize, decision durable before reply"))
        print(readRun.line("ExecuteTool(fs.read, 4 KiB), 2 durable entries per call"))
        print(
            String(
                format: "SERVE_RESULT floor: SQLite insert loop, WAL+FULL, 1 row per transaction: %.0f rows/s",
                floor.single))
        print(
            String(
                format: "SERVE_RESULT floor: SQLite insert loop, WAL+FULL, %d rows per transaction: %.0f rows/s",
                streams, floor.grouped))
    }

    struct Run {
        let calls: Int
        let seconds: Double
        let latencies: [Double]
        let streams: Int

        func line(_ what: String) -> String {
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
            return String(
                format: "SERVE_RESULT %@: %.0f calls/s, p50 %.2f ms, p99 %.2f ms (%d streams, %d calls)",
                what, Double(calls) / seconds, percentile(0.5), percentile(0.99), streams, calls)
        }
    }

    private func measure(
        port: Int, identity: WorkloadIdentity,
        _ call:
            @escaping @Sendable (Aios_Security_V1_SecurityService.Client<HTTP2ClientTransport.Posix>) async throws
            -> Void
    ) async throws -> Run {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let perConnection = max(1, streams / connections)
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<connections {
                group.addTask {
                    let transport = try HTTP2ClientTransport.Posix(
                        target: .ipv4(address: "127.0.0.1", port: port),
                        transportSecurity: .mTLS(
                            certificateChain: [.file(path: identity.certificatePath, format: .pem)],
                            privateKey: .file(path: identity.keyPath, format: .pem)
                        ) { $0.trustRoots = .certificates([.file(path: identity.bundlePath, format: .pem)]) })
                    return try await withGRPCClient(transport: transport) { grpc in
                        let client = Aios_Security_V1_SecurityService.Client(wrapping: grpc)
                        return try await withThrowingTaskGroup(of: [Double].self) { streams in
                            for _ in 0..<perConnection {
                                streams.addTask {
                                    var local: [Double] = []
                                    while ContinuousClock.now < deadline {
                                        let start = ContinuousClock.now
                                        try await call(client)
                                        let elapsed = ContinuousClock.now - start
                                        local.append(
                                            Double(elapsed.components.seconds) * 1000
                                                + Double(elapsed.components.attoseconds) / 1e15)
                                    }
                                    return local
                                }
                            }
                            return try await streams.reduce(into: []) { $0 += $1 }
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = ContinuousClock.now - started
        return Run(
            calls: latencies.count,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            latencies: latencies, streams: perConnection * connections)
    }

    /// The floor: how fast plain SQLite can durably insert rows of the ledger's size on this disk.
    private func sqliteFloor(directory: String) throws -> (single: Double, grouped: Double) {
        func rate(rowsPerTransaction: Int) throws -> Double {
            let path = directory + "/floor-\(rowsPerTransaction).sqlite"
            var configuration = Configuration()
            configuration.prepareDatabase { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            let queue = try DatabasePool(path: path, configuration: configuration)
            try queue.write { try $0.execute(sql: "CREATE TABLE rows (seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL)") }
            let leaf = Data(repeating: 0x7B, count: 400)
            var rows = 0
            let deadline = Date() + seconds
            let start = Date()
            while Date() < deadline {
                try queue.write { db in
                    for _ in 0..<rowsPerTransaction {
                        try db.execute(sql: "INSERT INTO rows (leaf) VALUES (?)", arguments: [leaf])
                    }
                }
                rows += rowsPerTransaction
            }
            return Double(rows) / Date().timeIntervalSince(start)
        }
        return (try rate(rowsPerTransaction: 1), try rate(rowsPerTransaction: streams))
    }
}
