import Foundation
import Testing

@testable import Secrets

@Suite("The kernel keyring vault")
struct KeyringVaultTests {
    @Test("secrets stored in the vault read back exactly, list by name only, and the vault is possessor-only")
    func roundTrip() throws {
        let vault = try KeyringVault.openOrCreate(name: "aios:vault:test-\(UUID().uuidString)")
        defer { try? vault.destroy() }
        var first = Array("sk-CANARY-123".utf8)
        var second = Array("p@ss\0word".utf8)
        try vault.store("anthropic-api-key", SecretBytes(consuming: &first))
        try vault.store("db.password", SecretBytes(consuming: &second))
        #expect(try vault.list().map(\.name) == ["anthropic-api-key", "db.password"])
        #expect(try vault.read("db.password").withUnsafeBytes { Array($0) } == Array("p@ss\0word".utf8))
        #expect(try Keyring.describe(vault.serial).permissions == Keyring.possessorAll)
        for (_, key) in try vault.list() { #expect(try Keyring.describe(key).permissions == Keyring.possessorAll) }
        var replaced = Array("sk-NEW".utf8)
        try vault.store("anthropic-api-key", SecretBytes(consuming: &replaced))
        #expect(try vault.read("anthropic-api-key").withUnsafeBytes { Array($0) } == Array("sk-NEW".utf8))
        #expect(try vault.list().count == 2, "storing again updates in place")
        #expect(try KeyringVault.openOrCreate(name: vault.name).serial == vault.serial, "the vault is found again")
    }

    @Test("a destroyed vault and its secrets are gone at once")
    func destroy() throws {
        let vault = try KeyringVault.openOrCreate(name: "aios:vault:test-\(UUID().uuidString)")
        var value = Array("x".utf8)
        let key = try vault.store("one", SecretBytes(consuming: &value))
        try vault.destroy()
        #expect(throws: SecretsError.self) { try Keyring.read(key) }
    }
}

@Suite("Process hygiene")
struct ProcessHygieneTests {
    @Test("refusing core dumps makes the process non-dumpable with a zero core limit")
    func refuse() throws {
        try ProcessHygiene.refuseCoreDumps()
        #expect(ProcessHygiene.state.dumpable == false)
        #expect(ProcessHygiene.state.coreLimit == 0)
    }
}
