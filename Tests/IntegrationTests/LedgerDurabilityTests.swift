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

    @Test("a process killed while it creates a day's file leaves no half-made day: the next append and verify succeed")
    func killedWhileCreatingADay() throws {
        let line =
            #"{"event_type":"tool_call","agent":"a","action":"x","target":"y","result":"success","risk_level":"low"}"#
        // Seeded, so a failure can be replayed: kill times spread over the first milliseconds of a fresh ledger.
        var generator = SeededGenerator(seed: 13)
        for round in 0..<24 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "aios-daykill-\(UUID().uuidString)"
            ).path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let process = Process()
            process.executableURL = BinaryRunner.binary
            process.arguments = ["audit", "append", "--ledger", directory]
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
            usleep(UInt32.random(in: 0...40_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let after = try BinaryRunner.run(["audit", "append", "--ledger", directory], stdin: line)
            #expect(after.status == 0, "round \(round): \(after.stderr)")
            let verify = try BinaryRunner.run(["audit", "verify", "--ledger", directory])
            #expect(verify.status == 0, "round \(round): \(verify.stdout)\(verify.stderr)")
        }
    }
}

/// A small deterministic generator (SplitMix64) for reproducible kill times.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
