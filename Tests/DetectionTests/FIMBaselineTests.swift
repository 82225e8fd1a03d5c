import Foundation
import GRDB
import Policy
import Secrets
import Testing

@testable import Detection

@Suite("File integrity: the signed baseline")
struct FIMBaselineTests {
    @Test("a row edited in the baseline (a hash set to the trojan's) is refused")
    func editedRow() throws {
        let lab = try FIMLab()
        try lab.write("sshd", "good\n")
        try lab.initialize()
        let queue = try DatabaseQueue(path: lab.baselinePath)
        try queue.write { db in try db.execute(sql: "UPDATE baseline_files SET digest = zeroblob(32), mode = 2541") }
        try queue.close()
        #expect { try lab.check() } throws: { "\($0)".contains("not signed by this vault's key") }
    }

    @Test("a baseline made and signed elsewhere, with another key, is refused")
    func replacedBaseline() throws {
        let lab = try FIMLab()
        try lab.write("sshd", "good\n")
        try lab.initialize()
        let forger = try FIMLab()
        forger.watch = lab.watch
        try lab.write("sshd", "evil\n")
        try forger.initialize()
        try FileManager.default.removeItem(atPath: lab.baselinePath)
        try FileManager.default.copyItem(atPath: forger.baselinePath, toPath: lab.baselinePath)
        #expect { try lab.check() } throws: { "\($0)".contains("not signed by this vault's key") }
    }

    @Test("an older signed baseline put back after an update is refused")
    func rolledBack() throws {
        let lab = try FIMLab()
        try lab.write("sshd", "good\n")
        try lab.initialize()
        let saved = lab.baselinePath + ".saved"
        try FileManager.default.copyItem(atPath: lab.baselinePath, toPath: saved)
        try lab.write("sshd", "upgraded\n")
        let accepted = try lab.checker.update(watchSet: lab.watchSet, now: 2)
        #expect(lab.attributes(lab.change(accepted, "sshd")) == ["content", "size"])
        #expect(try lab.check().isClean)
        _ = rename(saved, lab.baselinePath)
        #expect { try lab.check() } throws: { "\($0)".contains("not the newest") }
    }

    @Test("without the vault's key no baseline is trusted, and init does not overwrite one unasked")
    func missingKey() throws {
        let lab = try FIMLab()
        try lab.initialize()
        #expect { try lab.initialize() } throws: { "\($0)".contains("a baseline exists") }
        let other = try KeyringVault.openOrCreate(name: "aios:vault:test-fim-\(UUID().uuidString)")
        defer { try? other.destroy() }
        let checker = FIMCheck(baselinePath: lab.baselinePath, key: BaselineKey(vault: other), workers: 1)
        #expect { try checker.check() } throws: { ($0 as? DetectionError)?.isUnavailable == true }
    }
}
