import Audit
import Capabilities
import Crypto
import Foundation
import Synchronization

/// `aios-sec bench audit`: the ledger's append, verify and proof figures, with the disk's own fdatasync rate
/// measured in the same run as the anchor.
struct AuditBenchmark {
    let directory: String
    let seconds: Double
    let writers: Int
    let verifyEntries: Int

    struct Figure: Encodable {
        let name: String
        let value: Double
        let unit: String
        let detail: String
    }

    static func draft(_ number: Int) -> AuditDraft {
        AuditDraft(
            eventType: .toolCall, agent: "aios-agent-system", action: "fs.write", target: "/etc/nginx/nginx.conf",
            capabilitiesUsed: ["fs:write:/etc/nginx/*"], result: .success, riskLevel: .medium,
            details: .object([("bytes_written", .integer(Int64(number))), ("backup_created", .bool(true))]),
            decidedBy: DecisionRecord(capability: "fs:write:/etc/*", role: "aios-agent-system"))
    }

    func freshLedger(_ name: String) throws -> Ledger {
        let path = directory + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        return try Ledger(directory: path, signer: CheckpointSigner(name: AuditKeys.keyName, key: .init()))
    }

    /// write(4 KiB) + fdatasync, appending, on the ledger's file system: what one durable commit costs here.
    func fdatasyncRate() throws -> Double {
        let path = directory + "/fsync-probe"
        let descriptor = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw AuditError.input("cannot create \(path)") }
        defer {
            close(descriptor)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x78, count: 4096)
        var count = 0
        let start = monotonicNanoseconds()
        while Double(monotonicNanoseconds() - start) < seconds * 1e9 {
            _ = block.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            fdatasync(descriptor)
            count += 1
        }
        return Double(count) / (Double(monotonicNanoseconds() - start) / 1e9)
    }

    /// One writer, each `append` waiting for its own commit.
    func singleWriter() throws -> Double {
        let ledger = try freshLedger("single")
        defer { ledger.close() }
        var count = 0
        let start = monotonicNanoseconds()
        while Double(monotonicNanoseconds() - start) < seconds * 1e9 {
            let (_, error) = ledger.append(contentsOf: [Self.draft(count)])
            if let error { throw error }
            count += 1
        }
        return Double(count) / (Double(monotonicNanoseconds() - start) / 1e9)
    }

    /// `writers` concurrent appenders, each waiting for its entry to be durable before the next.
    func concurrentWriters() async throws -> (rate: Double, p99: Double, perCommit: Double) {
        let ledger = try freshLedger("concurrent")
        defer { ledger.close() }
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        let start = monotonicNanoseconds()
        let latencies = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var mine: [UInt64] = []
                    var number = writer
                    while monotonicNanoseconds() < deadline {
                        let begin = monotonicNanoseconds()
                        _ = try await ledger.append(Self.draft(number))
                        mine.append(monotonicNanoseconds() - begin)
                        number += 1
                    }
                    return mine
                }
            }
            var all: [UInt64] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        let p99 = latencies.isEmpty ? 0 : Double(latencies[latencies.count * 99 / 100]) / 1e6
        let statistics = ledger.statistics
        return (Double(latencies.count) / elapsed, p99, Double(statistics.entries) / Double(max(statistics.commits, 1)))
    }

    /// Builds a ledger of `verifyEntries`, then times a full verification and inclusion proofs.
    func verifyAndProve() throws -> [Figure] {
        let path = directory + "/big"
        try? FileManager.default.removeItem(atPath: path)
        let signer = CheckpointSigner(name: AuditKeys.keyName, key: .init())
        let ledger = try Ledger(directory: path, signer: signer)
        let buildStart = monotonicNanoseconds()
        var written = 0
        while written < verifyEntries {
            let batch = (written..<min(written + 1000, verifyEntries)).map(Self.draft)
            let (entries, error) = ledger.append(contentsOf: batch)
            if let error { throw error }
            written += entries.count
        }
        ledger.close()
        let build = Double(monotonicNanoseconds() - buildStart) / 1e9

        let verifyStart = monotonicNanoseconds()
        let report = LedgerVerifier(directory: path, verifier: signer.verifier).verify()
        let verify = Double(monotonicNanoseconds() - verifyStart) / 1e9
        guard report.intact, report.entries == verifyEntries else {
            throw AuditError.input("verification failed: \(String(describing: report.failure))")
        }

        var tree = MerkleTree()
        for index in 0..<verifyEntries { tree.append(leafHash: .sha256(Array("leaf \(index)".utf8))) }
        let root = tree.root
        var proofTimes: [UInt64] = []
        for _ in 0..<1000 {
            let index = Int.random(in: 0..<verifyEntries)
            let begin = monotonicNanoseconds()
            let proof = tree.inclusionProof(index: index, size: verifyEntries)
            proofTimes.append(monotonicNanoseconds() - begin)
            precondition(
                MerkleTree.verifyInclusion(
                    leafHash: .sha256(Array("leaf \(index)".utf8)), index: index, size: verifyEntries, proof: proof,
                    root: root))
        }
        proofTimes.sort()
        let reader = LedgerReader(directory: path)
        let id = try reader.newest(1)[0].id
        let coldStart = monotonicNanoseconds()
        _ = try reader.prove(id: id, verifier: signer.verifier)
        let cold = Double(monotonicNanoseconds() - coldStart) / 1e6
        // Queries read the table only (no secondary index): an agent with no entries costs a scan of the day, a
        // time window a binary search over sequence numbers.
        var scan = AuditQuery()
        scan.agent = "aios-agent-nobody"
        let scanStart = monotonicNanoseconds()
        try reader.entries(matching: scan) { _ in true }
        let scanned = Double(monotonicNanoseconds() - scanStart) / 1e6
        var window = AuditQuery()
        let newest = try reader.newest(1)[0].timestamp.millisecondsSinceEpoch
        window.since = Timestamp(millisecondsSinceEpoch: newest - 1000)
        window.until = Timestamp(millisecondsSinceEpoch: newest)
        let windowStart = monotonicNanoseconds()
        var inWindow = 0
        try reader.entries(matching: window) { _ in
            inWindow += 1
            return true
        }
        let windowed = Double(monotonicNanoseconds() - windowStart) / 1e6
        try? FileManager.default.removeItem(atPath: path)
        return [
            Figure(
                name: "query-scan", value: scanned, unit: "ms",
                detail: "--agent with no entries: a scan of \(verifyEntries) rows, no index trusted"),
            Figure(
                name: "query-window", value: windowed, unit: "ms",
                detail: "the last second (\(inWindow) entries), found by binary search over sequence numbers"),
            Figure(
                name: "build", value: Double(verifyEntries) / build, unit: "entries/s",
                detail: "group commit of 1,000, \(verifyEntries) entries"),
            Figure(
                name: "verify", value: verify, unit: "s",
                detail: "\(verifyEntries) entries: chain, columns, Merkle tree, checkpoints, integrity_check, schema"),
            Figure(
                name: "proof", value: Double(proofTimes[proofTimes.count / 2]) / 1000, unit: "µs median",
                detail:
                    "inclusion proof, one of \(verifyEntries), tree in memory; p99 \(Double(proofTimes[proofTimes.count * 99 / 100]) / 1000) µs"
            ),
            Figure(
                name: "proof-cold", value: cold, unit: "ms",
                detail: "audit prove from files: open, load \(verifyEntries) leaves, prove"),
        ]
    }
}
