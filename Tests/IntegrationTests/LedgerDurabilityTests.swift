import Foundation
import Testing

/// The durability contract, for real: acknowledged means durable, even under SIGKILL.
@Suite("Audit ledger durability")
struct LedgerDurabilityTests {
    @Test("SIGKILL during heavy concurrent appends loses no acknowledged entry, and the chain verifies")
    func sigkill() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-kill-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = BinaryRunner.binary
        process.arguments = ["bench", "audit-stress", "--ledger", directory, "--writers", "32", "--count", "100000"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var acknowledged = Data()
        let reader = out.fileHandleForReading
        while acknowledged.count(where: { $0 == UInt8(ascii: "\n") }) < 5000 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            acknowledged.append(chunk)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        acknowledged.append(reader.readDataToEndOfFile())
        #expect(process.terminationReason == .uncaughtSignal)
        let ids = String(decoding: acknowledged, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(ids.count >= 5000)

        let verify = try BinaryRunner.run(["audit", "verify", "--ledger", directory, "--json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let stored = try BinaryRunner.run(["audit", "query", "--ledger", directory, "--json"])
        let storedIDs = Set(
            stored.stdout.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
            })
        let missing = ids.filter { !storedIDs.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) acknowledged entries are missing, e.g. \(missing.prefix(3))")

        // The ledger takes appends again after the crash, continuing the same chain.
        let line =
            #"{"event_type":"emergency","agent":"operator","action":"recover","target":"ledger","result":"success","risk_level":"high"}"#
        let append = try BinaryRunner.run(["audit", "append", "--ledger", directory], stdin: line + "\n")
        #expect(append.status == 0, "\(append.stderr)")
        #expect(try BinaryRunner.run(["audit", "verify", "--ledger", directory]).status == 0)
    }
}
