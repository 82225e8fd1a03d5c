import Audit
import Foundation
import Policy
import SecurityTesting
import Testing

/// The console's page loads in the browser with a full daemon: 10,000 ledger entries and 100 running agents. The
/// figures go to `.build/console-bench.json` and into `Benchmarks/RESULTS.md`; nothing here asserts a time (a
/// shared machine's timing is a benchmark's business, not a test's).
@Suite("Web console page loads with 10,000 ledger entries and 100 agents")
struct ConsoleBenchmarkTests {
    static let agents = 100
    static let entries = 10_000

    @Test(
        "every page loads with 100 agents running and 10,000 entries in the ledger; one agent stopped from its row",
        .requiresRoot("the daemon launches agents as root"))
    func pageLoads() throws {
        let alice = try SSHKeyPair(name: "alice")
        defer { alice.remove() }
        let parent = "aios-test-\(getpid())-console"
        let names = (1...Self.agents).map { String(format: "bench-agent-%03d", $0) }
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent],
            policy: BuiltinPolicy.yaml + "\n" + names.map { "\($0):\n  capabilities: [\"fs:read:/tmp/*\"]\n" }.joined()
                + """
                emergency:
                  operators:
                    alice: {ssh_keys: ["\(alice.publicKeyLine.trimmingCharacters(in: .whitespacesAndNewlines))"]}
                  freeze_timeout: never
                """,
            prepare: { state in try Self.fillLedger(state + "/audit") })
        defer {
            daemon.stop()
            AgentTree.remove(parent)
        }
        let failures = Failures()
        let spawns = names.map {
            [
                "call", "spawn", "--server", daemon.address, "--identity", daemon.identity("orchestrator"), "--agent",
                $0,
                "--", "/bin/sleep", "600",
            ]
        }
        DispatchQueue.concurrentPerform(iterations: spawns.count) { index in
            let spawned = try? BinaryRunner.run(spawns[index])
            if spawned?.status != 0 { failures.add("\(spawns[index][6]): \(spawned?.stderr ?? "did not run")") }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
        let console = try ConsoleBrowser(daemon: daemon)
        let seen = try console.run(
            scenario: "timing", link: try console.loginLink(operator: "alice"),
            extra: ["9", "/", "/calls", "/agents", "/resume", "/audit", "/network"])
        #expect(seen["agents_shown"] as? Int == Self.agents)
        #expect(seen["stopped_agent"] as? String == "bench-agent-001")
        #expect((seen["stopped_row"] as? String)?.contains("stopped") == true, "\(seen["stopped_row"] ?? "")")
        let pages = try #require(seen["pages"] as? [String: Any])
        #expect(pages.count == 6)
        let figures = try JSONSerialization.data(withJSONObject: seen, options: [.sortedKeys, .prettyPrinted])
        let output = BinaryRunner.repositoryRoot.appendingPathComponent(".build/console-bench.json")
        try figures.write(to: output)
        print("CONSOLE_BENCH", String(decoding: figures, as: UTF8.self))
    }

    /// 10,000 entries of the kinds a busy day has, written before the daemon opens the ledger.
    static func fillLedger(_ directory: String) throws {
        let ledger = try Ledger(directory: directory, signer: try AuditKeys.loadOrCreate(in: directory))
        defer { ledger.close() }
        let batch = 1000
        for start in stride(from: 0, to: entries, by: batch) {
            let drafts = (start..<start + batch).map(draft)
            if let error = ledger.append(contentsOf: drafts).error { throw error }
        }
    }

    static func draft(_ index: Int) -> AuditDraft {
        let alert = index % 50 == 0
        let result: AuditResult = index % 7 == 0 ? .denied : .success
        return AuditDraft(
            eventType: alert ? .securityAlert : .toolCall,
            agent: String(format: "bench-agent-%03d", index % agents + 1),
            action: "fs.read", target: "/tmp/bench/file-\(index)", result: result, riskLevel: alert ? .high : .low)
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ failure: String) { lock.withLock { list.append(failure) } }
        var all: [String] { lock.withLock { list } }
    }
}
