import Foundation
import SecurityTesting
import Testing

/// `serve --analysis` as a user starts it: the model checked against its signed manifest before anything is
/// scored, the state readable over the API, a refused model recorded.
@Suite("serve --analysis: the verified model, the loop's state, a refused model on record", .requiresRoot)
struct AnalysisDaemonTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func policy(model: String, manifest: String) -> String {
        """
        aios-agent-security:
          capabilities: ["sec:*", "monitor:*"]
        analysis:
          interval: 5s
          model: {file: \(model), manifest: \(manifest)}
          escalation: {endpoint: "http://127.0.0.1:9", api_key_secret: analysis-test-key}
        """
    }

    func status(_ daemon: DaemonFixture) throws -> String {
        try BinaryRunner.run(
            ["analysis", "status", "--server", daemon.address, "--identity", daemon.identity("orchestrator")]
        ).stdout
    }

    @Test("the shipped model, signed with the project's key, is loaded; without a key in the vault nothing escalates")
    func shippedModel() throws {
        let models = Self.repository + "/models"
        let daemon = try DaemonFixture(
            extraArguments: ["--analysis"],
            policy: Self.policy(model: models + "/risk-model.json", manifest: models + "/risk-model.manifest.json"))
        var text = ""
        for _ in 0..<100 where !text.contains("running:     true") {
            Thread.sleep(forTimeInterval: 0.1)
            text = try status(daemon)
        }
        #expect(text.contains("running:     true"), "\(text)")
        #expect(text.contains("(verified)") && text.contains("risk-gbt-"), "\(text)")
        #expect(text.contains("no API key in the vault (secret analysis-test-key)"), "\(text)")
        let refusedBySecurity = try BinaryRunner.run(
            ["analysis", "status", "--server", daemon.address, "--identity", daemon.identity("aios-agent-security")])
        #expect(refusedBySecurity.status == 0, "the security role reads the state: \(refusedBySecurity.stderr)")
    }

    @Test("a model one byte off its manifest is refused and recorded; the daemon runs on without it")
    func tamperedModel() throws {
        let copy = FileManager.default.temporaryDirectory.path + "/aios-models-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.repository + "/models/risk-model.json")))
        bytes[100] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: copy + "/risk-model.json"))
        try FileManager.default.copyItem(
            atPath: Self.repository + "/models/risk-model.manifest.json", toPath: copy + "/risk-model.manifest.json")
        let daemon = try DaemonFixture(
            extraArguments: ["--analysis"],
            policy: Self.policy(model: copy + "/risk-model.json", manifest: copy + "/risk-model.manifest.json"))
        let text = try status(daemon)
        #expect(text.contains("refused: model file risk-model.json: modified"), "\(text)")
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "analysis.model_refused", "--json",
        ])
        #expect(audit.stdout.contains("rule-based IDS only"), "\(audit.stdout) \(audit.stderr)")
        let reviews = try BinaryRunner.run(
            ["review", "list", "--server", daemon.address, "--identity", daemon.identity("orchestrator")])
        #expect(reviews.stdout.contains("model  open  model refused"), "\(reviews.stdout) \(reviews.stderr)")
    }
}
