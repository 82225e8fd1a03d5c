import Foundation
import Testing

@Suite("Protocol conformance with an independent client")
struct ConformanceTests {
    @Test("Python grpcio, with stubs generated from the same .proto, drives the daemon over mTLS")
    func pythonClient() throws {
        let daemon = try DaemonFixture()
        let demo = daemon.directory + "/demo"
        try FileManager.default.createDirectory(atPath: demo, withIntermediateDirectories: true)
        let result = try BinaryRunner.run(
            executable: "/bin/bash",
            [
                BinaryRunner.repositoryRoot.appendingPathComponent("Tests/Conformance/run.sh").path, daemon.address,
                daemon.state + "/identities", demo,
            ])
        let (text, problems) = (result.stdout, result.stderr)
        #expect(result.status == 0, "\(problems)")
        let seen = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)\n\(problems)")
        #expect(seen["status_caller"] as? String == "spiffe://aios.local/service/orchestrator")
        #expect((seen["grant_id"] as? String)?.hasPrefix("grant-") == true)
        #expect(seen["write_allowed"] as? Bool == true)
        #expect(seen["bytes_written"] as? String == "11")
        #expect(seen["passwd_allowed"] as? Bool == false)
        #expect(seen["self_grant"] as? String == "PERMISSION_DENIED")
        #expect(seen["unknown_tool"] as? String == "INVALID_ARGUMENT")
        #expect((seen["audit_records"] as? Int ?? 0) >= 4)
        #expect(try String(contentsOfFile: demo + "/py.txt", encoding: .utf8) == "from python")
        #expect(seen["oversized"] as? String == "RESOURCE_EXHAUSTED")
        #expect(seen["invalid_utf8"] as? String == "INVALID_ARGUMENT", "\(seen["invalid_utf8"] ?? "")")
        let concurrent = try #require(seen["concurrent"] as? [String: Int])
        #expect(
            concurrent["error"] == 0 && concurrent["allowed", default: 0] + concurrent["denied", default: 0] == 1000)
        #expect(concurrent["allowed", default: 0] > 0)
        daemon.stop()
        #expect(try BinaryRunner.run(["audit", "verify", "--state-dir", daemon.state]).status == 0)
        let entries = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "aios-agent-task", "--json", "--limit", "5000",
        ]).stdout.split(separator: "\n")
        // Every decision is in the ledger: one entry each, except the Gate's rate-limit denials, which are counted
        // in summary entries (the first of each window also in full).
        let recorded = entries.filter { $0.contains(#""action":"authorize""#) && !$0.contains(#""check":"rate""#) }
        let summarised = entries.filter { $0.contains(#""action":"rate.refusals""#) }.compactMap { line in
            line.firstMatch(of: /"refusals":(\d+)/).map { Int($0.1)! }
        }
        #expect(recorded.count + summarised.reduce(0, +) == 1000, "each of the 1,000 decisions is accounted for")
    }
}
