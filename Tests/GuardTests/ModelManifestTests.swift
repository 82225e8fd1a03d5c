import Crypto
import Foundation
import Guard
import Testing

@Suite struct ModelManifestTests {
    @Test func aPinnedKeyLineRoundTrips() throws {
        let key = Curve25519.Signing.PrivateKey().publicKey
        let line = ModelSigningKey.encode(key)
        #expect(line.hasPrefix("ed25519:"))
        #expect(try ModelFiles.parsePinnedKey(line).rawRepresentation == key.rawRepresentation)
    }

    @Test(arguments: [
        "", "ed25519:", "AAAA", "ssh-ed25519:" + String(repeating: "A", count: 43) + "=",
        "ed25519:" + String(repeating: "A", count: 42) + "==", "ed25519:" + String(repeating: "A", count: 44),
        "ed25519: " + String(repeating: "A", count: 43) + "=",
    ])
    func aMalformedKeyLineIsRefused(_ line: String) {
        #expect(throws: GuardError.self) { try ModelFiles.parsePinnedKey(line) }
    }

    @Test func aPrivateKeyFileRoundTrips() throws {
        let key = Curve25519.Signing.PrivateKey()
        let parsed = try ModelSigningKey.parsePrivate(ModelSigningKey.encode(key))
        #expect(parsed.rawRepresentation == key.rawRepresentation)
    }

    @Test func aSignedManifestParsesBackToItself() throws {
        let key = Curve25519.Signing.PrivateKey()
        let manifest = try ModelManifest.sign(
            model: "risk-gbt-1", files: [.init(name: "m.json", sha256: String(repeating: "ab", count: 32))],
            created: ModelFilesLab.created, with: key)
        let parsed = try ModelManifest.parse(manifest.json)
        #expect(parsed == manifest)
        #expect(
            try parsed.verifySignature(pinned: [key.publicKey]).rawRepresentation == key.publicKey.rawRepresentation)
    }

    @Test(arguments: [
        (#"[]"#, "must be a JSON object"),
        (#"{"format":"aios-model-manifest/2"}"#, "format"),
        (#"{"format":"aios-model-manifest/1","extra":1}"#, "unknown member \"extra\""),
        (#"{"format":"aios-model-manifest/1","model":"m","created":"yesterday"}"#, "created"),
        (
            #"{"format":"aios-model-manifest/1","model":"m","created":"2026-12-03T23:00:00Z","files":[{"name":"../x","sha256":"\#(String(repeating: "0", count: 64))"}],"key":"ed25519:x"}"#,
            "plain file name"
        ),
        (
            #"{"format":"aios-model-manifest/1","model":"m","created":"2026-12-03T23:00:00Z","files":[{"name":"x","sha256":"ABC"}],"key":"ed25519:x"}"#,
            "sha256"
        ),
        (#"{"format":"aios-model-manifest/1","format":"aios-model-manifest/1"}"#, "duplicate key"),
    ])
    func aMalformedManifestIsRefusedSayingWhere(_ text: String, _ expected: String) {
        #expect {
            try ModelManifest.parse(Array(text.utf8))
        } throws: { error in
            (error as? GuardError)?.message.contains(expected) == true
        }
    }
}
