import Capabilities
import Foundation
import Testing

@testable import Audit

@Suite("The ledger never fails silently")
struct LedgerFailureTests {
    /// Marks files immutable with chattr(1): writes fail even for root, through descriptors already open. (Not the
    /// `-shm` file: SQLite maps it, and a write to an immutable mapping is a SIGBUS, not an error.)
    func setImmutable(_ on: Bool, _ paths: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [on ? "+i" : "-i"] + paths
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw AuditError.storage("chattr failed") }
    }

    @Test("when the ledger cannot write, the appender gets an error, and appends work again once it can")
    func writeFailureIsReported() throws {
        guard getuid() == 0 else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("this test needs root (chattr +i)") }
            print("skipped: making files immutable needs root")
            return
        }
        let fixture = LedgerFixture(storage: .disk)
        let ledger = try fixture.open()
        defer { ledger.close() }
        #expect(ledger.append(contentsOf: [LedgerFixture.draft(1)]).error == nil)
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture.directory)
            .filter { $0.hasPrefix("ledger-") && !$0.hasSuffix("-shm") }.map { fixture.directory + "/" + $0 }
        try setImmutable(true, files)
        let (committed, error) = ledger.append(contentsOf: [LedgerFixture.draft(2)])
        try setImmutable(false, files)
        #expect(committed.isEmpty)
        #expect(error?.description.contains("cannot append") == true, "\(String(describing: error))")
        #expect(ledger.append(contentsOf: [LedgerFixture.draft(3)]).error == nil)
        ledger.close()
        let report = fixture.verify()
        #expect(report.intact, "\(String(describing: report.failure))")
        #expect(report.entries == 2)
    }

    @Test("appending to a closed ledger is an error")
    func closed() throws {
        let fixture = LedgerFixture()
        let ledger = try fixture.open()
        ledger.close()
        #expect(ledger.append(contentsOf: [LedgerFixture.draft(1)]).error == .closed)
    }

    @Test("a signed checkpoint covers new entries within about a second, without a close")
    func checkpointFollows() async throws {
        let fixture = LedgerFixture()
        let ledger = try fixture.open()
        defer { ledger.close() }
        _ = ledger.append(contentsOf: [LedgerFixture.draft(1)])
        try await Task.sleep(for: .milliseconds(100))
        _ = ledger.append(contentsOf: [LedgerFixture.draft(2), LedgerFixture.draft(3)])
        var covered = 0
        for _ in 0..<30 where covered < 3 {
            try await Task.sleep(for: .milliseconds(100))
            let notes = try CheckpointLog(path: fixture.directory + "/checkpoints.log").notes()
            covered = notes.compactMap { fixture.signer.verifier.verify(note: $0.note)?.size }.max() ?? 0
        }
        #expect(covered == 3)
    }
}

@Suite("The checkpoint key")
struct AuditKeyTests {
    @Test("a key is created once, reloaded after, and never silently replaced when checkpoints exist")
    func keyLifecycle() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-keys-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try AuditKeys.loadOrCreate(in: directory)
        #expect(try AuditKeys.loadOrCreate(in: directory).verifier == first.verifier)
        #expect(try AuditKeys.verifier(from: directory + "/checkpoint.pub") == first.verifier)
        let mode =
            try FileManager.default.attributesOfItem(atPath: directory + "/checkpoint.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let ledger = try Ledger(directory: directory, signer: first)
        _ = ledger.append(contentsOf: [LedgerFixture.draft(1)])
        ledger.close()
        try FileManager.default.removeItem(atPath: directory + "/checkpoint.key")
        #expect(throws: AuditError.self) { try AuditKeys.loadOrCreate(in: directory) }
    }
}
