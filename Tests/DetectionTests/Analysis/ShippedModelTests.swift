import Detection
import Guard
import Testing

@Suite struct ShippedModelTests {
    /// The project's model-signing key, as the built-in policy pins it.
    static let projectKey = "ed25519:orN5JYdFyp+kjfETNZlKA/fd5DHhNlZs2vObVr7gYNo="

    @Test func theCommittedModelVerifiesAgainstTheProjectKeyAndParses() throws {
        let verified = try ModelFiles.loadVerified(
            model: ParityFixture.modelURL.path,
            manifest: ParityFixture.repository.appendingPathComponent("models/risk-model.manifest.json").path,
            pinnedKeys: [try ModelFiles.parsePinnedKey(Self.projectKey)])
        let model = try RiskModel(json: verified.bytes)
        #expect(model.identifier == verified.manifestModel)
        #expect(model.treeCount == 120)
    }
}
