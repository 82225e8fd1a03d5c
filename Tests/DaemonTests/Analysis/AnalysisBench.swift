import Audit
import Capabilities
import Foundation
import Guard
import PKI
import Policy
import SecurityTesting

@testable import Daemon

/// What the analysis, response and review tests act through: a daemon core over a real ledger in a temporary
/// directory (removed at the end), a manual clock, a review queue, and the API's service with that queue.
final class AnalysisBench {
    let directory = FileManager.default.temporaryDirectory.path + "/aios-analysis-\(UUID().uuidString)"
    let clock = ManualClock(.seconds(1_800_000_000))
    let ledger: Ledger
    let core: DaemonCore
    let reviews: ReviewQueue
    let service: SecurityService

    init(policy: SecurityPolicy = .builtin()) throws {
        let ledgerDirectory = directory + "/audit"
        ledger = try Ledger(
            directory: ledgerDirectory, signer: try AuditKeys.loadOrCreate(in: ledgerDirectory), clock: clock)
        core = DaemonCore(
            policy: policy, ledger: ledger, ledgerDirectory: ledgerDirectory, denyList: DenyList(), clock: clock,
            confirmationTimeout: .seconds(30))
        reviews = try ReviewQueue(path: directory + "/reviews.sqlite")
        service = SecurityService(
            core: core,
            broker: Broker(protected: core.protected, backups: BackupStore(directory: directory + "/backups")),
            workers: Workers(reviews: reviews))
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every committed entry, oldest first.
    func entries() throws -> [StoredEntry] { try LedgerReader(directory: directory + "/audit").entries(after: nil) }

    static func caller(_ kind: SPIFFEID.Kind, _ name: String) throws -> Caller {
        Caller(identity: try SPIFFEID(kind: kind, name: name), serial: "1")
    }

    /// The first call parked for a confirmation, waiting up to 3,000 turns of 10 ms (turns, not wall time: a busy pool
    /// delays the parking and the wait alike).
    func parkedCall() async throws -> PendingCalls.Call? {
        for _ in 0..<3_000 {
            if let call = core.pending.calls.first { return call }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
