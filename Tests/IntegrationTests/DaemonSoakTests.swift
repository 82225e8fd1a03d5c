import Foundation
import Testing

/// The daemon under the flood of issue 12: 20,000 TCP connections that never start TLS (from four loopback
/// addresses, so the per-source caps are exercised) and 3,000 calls with a revoked certificate. The orchestrator
/// must be served during and after, the daemon's memory must stay bounded, every idle connection must be closed by
/// the daemon, and the ledger must hold an aggregate of the refusals, not 3,000 entries.
@Suite("aios-sec serve under a flood of idle connections and refused certificates", .serialized)
struct DaemonSoakTests {
    static let idleConnections = 20_000
    static let refusedCalls = 3_000
    static let sources = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
    /// The most the daemon's resident memory may grow over its idle baseline. The caps admit at most 1,024
    /// connections at once (the default total) and each one waiting in its TLS handshake costs about 60 KiB (issue
    /// 12 measured 1.17 GB for 20,000), so the held connections account for at most ~60 MiB; the rest of the margin
    /// is the allocator keeping what 3,000 handshakes and calls used. Unbounded, the same flood took 1.17 GB (issue
    /// 12); before the caps, this test's daemon stopped accepting at about 11,000 connections with 0.9 GB resident.
    /// Measured with the caps (debug build, loaded machine): 61 MiB idle, 106 MiB at the peak.
    static let rssGrowthBound = 200 << 20

    @Test("20,000 idle connections and 3,000 refused calls: served, bounded, closed, aggregated")
    func flood() throws {
        let daemon = try DaemonFixture()
        defer { daemon.stop() }
        let pid = daemon.process.processIdentifier
        let status = ["call", "status", "--server", daemon.address, "--identity", daemon.identity("orchestrator")]
        #expect(try runWithin(seconds: 20, status) == 0)
        let baseline = try residentBytes(of: pid)
        let peak = Locked(baseline)
        let sampling = Locked(true)
        let sampler = Thread {
            while sampling.value {
                if let now = try? residentBytes(of: pid) { peak.update { $0 = max($0, now) } }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        sampler.start()
        defer { sampling.set(false) }

        let port = try #require(daemon.address.split(separator: ":").last.flatMap { UInt16($0) })
        let started = Date()
        // Two helpers of 10,000 connections each, each from all four sources.
        let idle = try (0..<2).map { _ in
            try IdleConnections(count: Self.idleConnections / 2, sources: Self.sources, port: port)
        }
        defer { idle.forEach { $0.close() } }
        #expect(try runWithin(seconds: 20, status) == 0, "the orchestrator is served while 20,000 connections are open")

        let revoked = try BinaryRunner.run([
            "ca", "revoke", "--identity", "spiffe://aios.local/agent/aios-agent-task", "--state-dir", daemon.state,
            "--vault", daemon.vault,
        ])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        let orchestratorAnswers = Locked<[Int32]>([])
        let calling = Locked(true)
        let orchestrator = Thread {
            while calling.value {
                let answer = (try? runWithin(seconds: 20, status)) ?? -1
                orchestratorAnswers.update { $0.append(answer) }
            }
        }
        orchestrator.start()
        let refused = try runGRPCPython(
            "refused-calls.py", [daemon.address, daemon.identity("aios-agent-task"), "\(Self.refusedCalls)", "16"])
        calling.set(false)
        #expect(
            refused as? [String: Int] == ["PERMISSION_DENIED": Self.refusedCalls], "every call is answered as refused")
        let answers = orchestratorAnswers.value
        #expect(!answers.isEmpty && answers.allSatisfy { $0 == 0 }, "the orchestrator is served throughout: \(answers)")
        #expect(try runWithin(seconds: 20, status) == 0, "and after")

        // Nothing an unauthenticated peer opened is kept: each connection is refused at once (over a cap) or closed
        // when its TLS handshake times out.
        let closed = try idle.reduce(0) { $0 + (try $1.closedByPeer(waiting: 30)) }
        #expect(closed == Self.idleConnections, "connections the daemon closed: \(closed)")
        #expect(Date().timeIntervalSince(started) < 120, "the soak stays bounded in time")
        sampling.set(false)
        let growth = peak.value - baseline
        print("soak: daemon RSS \(baseline >> 20) MiB idle, \(peak.value >> 20) MiB at its peak")
        #expect(growth < Self.rssGrowthBound, "RSS grew \(growth >> 20) MiB over the baseline \(baseline >> 20) MiB")

        // Graceful shutdown closes the open window: one entry for the first refusal, one summary with the count.
        #expect(daemon.stop() == 0)
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "authentication", "--json", "--limit", "10000",
        ])
        let entries = audit.stdout.split(separator: "\n")
        #expect(entries.count <= 4, "aggregated, not one entry per refusal: \(entries.count)")
        // Under load the calls may span two windows: every refusal is counted in exactly one summary.
        let counted = audit.stdout.matches(of: /"refusals":(\d+)/).map { Int($0.1)! }.reduce(0, +)
        #expect(counted == Self.refusedCalls, "\(audit.stdout.prefix(2000))")
    }
}

/// The VmRSS line of /proc/PID/status, in bytes.
func residentBytes(of pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { throw POSIXError(.EINVAL) }
    return kilobytes << 10
}

/// Runs `aios-sec ARGUMENTS` with a time limit (a daemon that stopped answering must fail the test, not hang it);
/// returns its exit status (124 when it timed out).
func runWithin(seconds: Int, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["\(seconds)", BinaryRunner.binary.path] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// A value shared with a helper thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }
    func set(_ value: Value) { lock.withLock { stored = value } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
