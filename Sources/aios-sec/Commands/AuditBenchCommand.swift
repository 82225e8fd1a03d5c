import ArgumentParser
import Audit
import Foundation

struct AuditBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Ledger figures: fdatasync anchor, one writer, concurrent writers, verify and prove at scale.")

    @Option(help: "Scratch directory (on the file system the ledger will live on).")
    var directory = "Benchmarks/work/audit"
    @Option(help: "Seconds per timed phase.") var seconds = 3.0
    @Option(help: "Concurrent writers.") var writers = 64
    @Option(help: "Entries for the verify and proof phase.") var verifyEntries = 1_000_000

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bench = AuditBenchmark(
            directory: directory, seconds: seconds, writers: writers, verifyEntries: verifyEntries)
        let fsync = try bench.fdatasyncRate()
        report("fdatasync", fsync, "ops/s", "write 4 KiB + fdatasync, appending (the anchor)")
        let single = try bench.singleWriter()
        report(
            "single-writer", single, "entries/s",
            String(format: "one entry per commit: %.2f× fdatasync", single / fsync))
        let concurrent = try await bench.concurrentWriters()
        report(
            "concurrent", concurrent.rate, "entries/s",
            String(
                format: "%d writers, each durable before return; p99 %.1f ms; %.1f entries per commit", writers,
                concurrent.p99, concurrent.perCommit))
        for figure in try bench.verifyAndProve() { report(figure.name, figure.value, figure.unit, figure.detail) }
    }

    private func report(_ name: String, _ value: Double, _ unit: String, _ detail: String) {
        print(String(format: "AUDIT_RESULT %@ %.3f %@ — %@", name, value, unit, detail))
    }
}
