import Crypto
import Foundation
import Guard
import Testing

@Suite struct ModelFilesTests {
    @Test func aModelMatchingItsSignedManifestLoadsWithTheBytesHashed() throws {
        let lab = try ModelFilesLab()
        let loaded = try lab.load()
        #expect(loaded.bytes == (try lab.read(lab.modelPath)))
        #expect(loaded.sha256 == ModelFiles.hex(SHA256.hash(data: loaded.bytes)))
        #expect(loaded.name == "risk-model.json")
        #expect(loaded.manifestModel == "risk-gbt-test")
        #expect(loaded.signer == ModelSigningKey.encode(lab.key.publicKey))
    }

    @Test func oneChangedByteIsRefusedAsModified() throws {
        let lab = try ModelFilesLab()
        var bytes = try lab.read(lab.modelPath)
        bytes[5] ^= 0x01
        try lab.write(bytes, to: lab.modelPath)
        #expect(lab.refusal()?.contains("modified") == true)
    }

    @Test func aManifestSignedByAKeyThatIsNotPinnedIsRefused() throws {
        let lab = try ModelFilesLab()
        try lab.sign(with: lab.otherKey)
        #expect(lab.refusal()?.contains("not a pinned key") == true)
        // Pinning the other key as well accepts it: any pinned key will do.
        #expect(lab.refusal(pinned: [lab.key.publicKey, lab.otherKey.publicKey]) == nil)
    }

    @Test func aManifestNamingAPinnedKeyButSignedByAnotherIsRefused() throws {
        let lab = try ModelFilesLab()
        try lab.sign(with: lab.otherKey)
        let text = String(decoding: try lab.read(lab.manifestPath), as: UTF8.self)
        let forged = text.replacingOccurrences(
            of: ModelSigningKey.encode(lab.otherKey.publicKey), with: ModelSigningKey.encode(lab.key.publicKey))
        try lab.write(Array(forged.utf8), to: lab.manifestPath)
        #expect(lab.refusal()?.contains("does not verify") == true)
    }

    @Test func aManifestEditedAfterSigningIsRefused() throws {
        let lab = try ModelFilesLab()
        // The attacker replaces the model and writes its digest into the signed manifest.
        try lab.write(Array(#"{"identifier":"poisoned"}"#.utf8), to: lab.modelPath)
        let manifest = try ModelManifest.parse(try lab.read(lab.manifestPath))
        let poisoned = ModelFiles.hex(SHA256.hash(data: try lab.read(lab.modelPath)))
        let text = String(decoding: try lab.read(lab.manifestPath), as: UTF8.self)
            .replacingOccurrences(of: manifest.files[0].sha256, with: poisoned)
        try lab.write(Array(text.utf8), to: lab.manifestPath)
        #expect(lab.refusal()?.contains("does not verify") == true)
    }

    @Test func anUnsignedManifestIsRefused() throws {
        let lab = try ModelFilesLab()
        let manifest = try ModelManifest.parse(try lab.read(lab.manifestPath))
        let unsigned = String(decoding: try lab.read(lab.manifestPath), as: UTF8.self)
            .replacingOccurrences(of: #","signature":"\#(manifest.signature!)""#, with: "")
        try lab.write(Array(unsigned.utf8), to: lab.manifestPath)
        #expect(lab.refusal() == "model manifest: not signed")
    }

    @Test func noPinnedKeyRefusesEveryModel() throws {
        let lab = try ModelFilesLab()
        #expect(lab.refusal(pinned: [])?.contains("no model-signing key is pinned") == true)
    }

    @Test func aMissingModelOrManifestIsRefused() throws {
        let lab = try ModelFilesLab()
        #expect(lab.refusal(model: lab.directory + "/risk-model.json.gone")?.contains("not listed") == true)
        try FileManager.default.removeItem(atPath: lab.modelPath)
        #expect(lab.refusal()?.hasSuffix(": missing") == true)
        try FileManager.default.removeItem(atPath: lab.manifestPath)
        #expect(lab.refusal()?.hasPrefix("model manifest") == true)
    }

    @Test func aSymlinkedModelIsRefusedEvenWhenItPointsAtTheRightBytes() throws {
        let lab = try ModelFilesLab()
        let elsewhere = lab.directory + "/elsewhere.json"
        try FileManager.default.moveItem(atPath: lab.modelPath, toPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: lab.modelPath, withDestinationPath: elsewhere)
        #expect(lab.refusal()?.contains("symbolic link") == true)
    }

    @Test func aSymlinkedDirectoryOnTheWayIsRefused() throws {
        let lab = try ModelFilesLab()
        let link = lab.directory + "-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: lab.directory)
        defer { try? FileManager.default.removeItem(atPath: link) }
        #expect(lab.refusal(model: link + "/risk-model.json")?.contains("symbolic link") == true)
    }

    @Test func aFileTheManifestDoesNotListIsRefused() throws {
        let lab = try ModelFilesLab()
        let planted = lab.directory + "/planted.json"
        try lab.write(try lab.read(lab.modelPath), to: planted)
        #expect(lab.refusal(model: planted)?.contains("not listed") == true)
    }

    @Test func aFIFOInPlaceOfTheModelIsRefusedWithoutBlocking() throws {
        let lab = try ModelFilesLab()
        try FileManager.default.removeItem(atPath: lab.modelPath)
        #expect(mkfifo(lab.modelPath, 0o600) == 0)
        #expect(lab.refusal()?.contains("not a regular file") == true)
    }

    @Test func aModelLargerThanTheBoundIsRefused() throws {
        let lab = try ModelFilesLab(model: [UInt8](repeating: 0x20, count: 4096))
        #expect(throws: GuardError.self) {
            try ModelFiles.loadVerified(
                model: lab.modelPath, manifest: lab.manifestPath, pinnedKeys: [lab.key.publicKey], limit: 1024)
        }
    }

    @Test func statusSaysWhichListedFilesAreOkModifiedOrMissing() throws {
        let lab = try ModelFilesLab()
        try lab.write(Array("b".utf8), to: lab.directory + "/b.json")
        try lab.write(Array("c".utf8), to: lab.directory + "/c.json")
        try lab.sign(with: lab.key, files: ["risk-model.json", "b.json", "c.json"])
        try lab.write(Array("B".utf8), to: lab.directory + "/b.json")
        try FileManager.default.removeItem(atPath: lab.directory + "/c.json")
        let manifest = try ModelManifest.parse(try lab.read(lab.manifestPath))
        let status = ModelFiles.status(of: manifest, directory: lab.directory)
        #expect(status.map(\.status) == [.ok, .modified, .missing])
    }
}
