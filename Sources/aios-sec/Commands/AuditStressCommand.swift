import ArgumentParser
import Audit
import Capabilities
import Foundation
import Synchronization

/// Concurrent appenders that print each id the moment its `append` returned — the durability contract's
/// witness: a test kills this process with SIGKILL and checks that every printed id is in the ledger.
struct AuditStressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-stress",
        abstract: "Append from many concurrent writers, printing each acknowledged id (for durability tests).",
        shouldDisplay: false
    )

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "Concurrent writers.") var writers = 32
    @Option(help: "Entries per writer.") var count = 1000

    func run() async throws {
        let directory = ledger.resolved
        let ledger = try auditCall { () throws(AuditError) in
            try Ledger(directory: directory, signer: try AuditKeys.loadOrCreate(in: directory))
        }
        let output = AcknowledgementPrinter()
        let count = self.count
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for number in 0..<count {
                        let draft = AuditDraft(
                            eventType: .toolCall, agent: "stress-\(writer)", action: "fs.write",
                            target: "/tmp/\(number)",
                            result: .success, riskLevel: .low, details: .object([("n", .integer(Int64(number)))]))
                        let entry = try await ledger.append(draft)
                        output.print(entry.id)
                    }
                }
            }
            try await group.waitForAll()
        }
        ledger.close()
    }
}

/// Writes whole lines straight to file descriptor 1, unbuffered, so no acknowledged id is lost when the process
/// is killed.
final class AcknowledgementPrinter: Sendable {
    private let lock = Mutex(())

    func print(_ text: String) {
        let line = Array((text + "\n").utf8)
        lock.withLock { _ in _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) } }
    }
}
