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
    @Option(
        help: """
            A Python interpreter that imports aios_security (e.g. .venv/bin/python): its SDK also measured as a \
            client of its own, with Benchmarks/sdk_client.py.
            """)
    var python: String?

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
        let shared = SharedAuthority(authority)
        let bound = AsyncStream<String>.makeStream()
        let server = DaemonServer(
            core: core, state: state, authority: shared, address: .tcp(host: "127.0.0.1", port: 0),
            broker: Broker(
                protected: core.protected, backups: BackupStore(directory: state.directory + "/backups")),
            budgets: .unlimited)
        let serving = Task { try await server.run { bound.continuation.yield($0) } }
        var iterator = bound.stream.makeAsyncIterator()
        guard let address = await iterator.next(), let port = Int(address.split(separator: ":").last ?? "") else {
            throw ExitStatus.software
        }
        let identity = state.identity("aios-agent-system")
        let load = GRPCLoad(
            server: "127.0.0.1:\(port)", identity: identity, streams: streams, connections: connections,
            seconds: seconds)

        // The transport's ceiling: a call that writes nothing to the ledger.
        let statusRun = try await load.run { client in
            _ = try await client.status(Aios_Security_V1_StatusRequest())
        }
        var authorize = Aios_Security_V1_AuthorizeRequest()
        authorize.tool = "fs.read"
        authorize.arguments = ["path": "/etc/hosts"]
        let authorizeRun = try await load.run { [authorize] client in
            let response = try await client.authorize(authorize)
            precondition(response.decision.allowed)
        }
        var read = Aios_Security_V1_ExecuteToolRequest()
        read.tool = "fs.read"
        read.arguments = ["path": file]
        let readRun = try await load.run { [read] client in
            let response = try await client.executeTool(read)
            precondition(response.output.count == 4096)
        }
        // Clients in processes of their own, over TCP and over a Unix socket (a second listener on the same core).
        let socket = state.directory + "/bench.sock"
        let unixServer = DaemonServer(
            core: core, state: state, authority: shared, address: .unix(path: socket),
            broker: Broker(protected: core.protected, backups: BackupStore(directory: state.directory + "/backups")),
            budgets: .unlimited)
        let unixBound = AsyncStream<String>.makeStream()
        let servingUnix = Task { try await unixServer.run { unixBound.continuation.yield($0) } }
        var unixIterator = unixBound.stream.makeAsyncIterator()
        _ = await unixIterator.next()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Benchmarks/sdk_client.py")
        let separate = try SeparateClients(
            identity: identity.directory, seconds: seconds, streams: streams, connections: connections,
            python: python.map { ($0, script.path) }
        ).run(servers: [("tcp", "127.0.0.1:\(port)"), ("unix", "unix:" + socket)])
        servingUnix.cancel()
        _ = try? await servingUnix.value
        serving.cancel()
        _ = try? await serving.value
        let floor = try sqliteFloor(directory: state.directory)

        print(statusRun.line("Status (no ledger write: the mTLS gRPC ceiling)"))
        print(authorizeRun.line("Authorize, decision durable before reply"))
        print(readRun.line("ExecuteTool(fs.read, 4 KiB), 2 durable entries per call"))
        for result in separate {
            print(
                "SERVE_RESULT separate process, \(result.client) over \(result.transport), \(result.rpc): \(result.line)"
            )
        }
        print(
            String(
                format: "SERVE_RESULT floor: SQLite insert loop, WAL+FULL, 1 row per transaction: %.0f rows/s",
                floor.single))
        print(
            String(
                format: "SERVE_RESULT floor: SQLite insert loop, WAL+FULL, %d rows per transaction: %.0f rows/s",
                streams, floor.grouped))
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
