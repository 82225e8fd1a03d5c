import Testing

@testable import Secrets

@Suite("The sealed secrets file")
struct SealedFileTests {
    static let canary = "CANARY-7f3e9a1c-do-not-leak"
    static let passphraseText = "correct horse battery staple"

    static func secret(_ text: String) -> SecretBytes {
        var bytes = Array(text.utf8)
        return SecretBytes(consuming: &bytes)
    }

    /// Cheap scrypt cost for tests; the default (2^17) is for real files.
    static func passphrase(_ text: String = passphraseText) -> PassphraseKey {
        PassphraseKey(passphrase: secret(text), logN: 10)
    }

    static let secrets: [(name: String, value: SecretBytes)] = [
        ("anthropic-api-key", secret(canary)), ("db.password", secret("p@ss:word\n\0with nul")), ("empty", secret("")),
    ]

    func values(_ opened: [(name: String, value: SecretBytes)]) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: opened.map {
                ($0.name, $0.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
            })
    }

    @Test("sealed with a passphrase or a key file, the secrets come back exactly")
    func roundTrip() throws {
        let sealed = try SealedFile.seal(Self.secrets, with: Self.passphrase())
        #expect(values(try SealedFile.open(sealed, with: Self.passphrase()))["db.password"] == "p@ss:word\n\0with nul")
        var material = (0..<32).map { UInt8($0) }
        let keyFile = try KeyFileKey(material: SecretBytes(consuming: &material))
        let sealedWithKey = try SealedFile.seal(Self.secrets, with: keyFile)
        #expect(values(try SealedFile.open(sealedWithKey, with: keyFile)).count == 3)
        #expect(!sealed.contains(subsequence: Array(Self.canary.utf8)), "the secret is not in the file in clear")
    }

    @Test("a wrong passphrase and a modified byte anywhere after the magic fail, and say nothing secret")
    func tampering() throws {
        let sealed = try SealedFile.seal(Self.secrets, with: Self.passphrase())
        #expect(throws: SecretsError.authentication) { try SealedFile.open(sealed, with: Self.passphrase("wrong")) }
        for index in stride(from: 9, to: sealed.count, by: 7) {
            var modified = sealed
            modified[index] ^= 0x01
            do {
                _ = try SealedFile.open(modified, with: Self.passphrase())
                Issue.record("a change at byte \(index) was not detected")
            } catch {
                #expect(!error.description.contains(Self.canary))
                #expect(!error.description.contains(Self.passphraseText))
            }
        }
    }

    @Test("a truncated file is a format error naming where, at every length")
    func truncation() throws {
        let sealed = try SealedFile.seal(Self.secrets, with: Self.passphrase())
        for length in 0..<sealed.count {
            do {
                _ = try SealedFile.open(Array(sealed.prefix(length)), with: Self.passphrase())
                Issue.record("a file cut to \(length) bytes opened")
            } catch {
                #expect(error.isFormat || error.isAuthenticationFailure, "\(error)")
            }
        }
    }

    @Test("unknown versions and hostile parameters are refused before any key is derived")
    func limits() throws {
        var sealed = try SealedFile.seal(Self.secrets, with: Self.passphrase())
        var future = sealed
        future[8] = 2
        #expect(throws: SecretsError.unsupported("")) { try SealedFile.open(future, with: Self.passphrase()) }
        sealed[10] = 40  // scrypt logN: 2^40 would take all memory
        #expect(throws: SecretsError.unsupported("")) { try SealedFile.open(sealed, with: Self.passphrase()) }
        #expect(throws: SecretsError.format("")) {
            try SealedFile.open(Array("not sealed at all".utf8), with: Self.passphrase())
        }
    }

    @Test("secret bytes never print, and names are checked")
    func hygiene() throws {
        let value = Self.secret(Self.canary)
        #expect("\(value)" == "<redacted \(Self.canary.utf8.count) bytes>")
        #expect(String(reflecting: value) == "<redacted \(Self.canary.utf8.count) bytes>")
        #expect(throws: SecretsError.input("")) { try SealedFile.seal([("bad name", value)], with: Self.passphrase()) }
        #expect(throws: SecretsError.input("")) {
            try SealedFile.seal([("a", value), ("a", value)], with: Self.passphrase())
        }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains {
            self[$0..<$0 + subsequence.count].elementsEqual(subsequence)
        }
    }
}
