import Audit
import Foundation

/// Commands that change security state record it in the ledger (STATE/audit unless --ledger says otherwise).
enum AuditTrail {
    /// Appends the entries; a ledger that cannot be written is an error the command reports (exit 69).
    static func record(_ drafts: [AuditDraft], ledger directory: String) throws {
        do {
            let ledger = try Ledger(directory: directory, signer: try AuditKeys.loadOrCreate(in: directory))
            defer { ledger.close() }
            if let error = ledger.append(contentsOf: drafts).error { throw error }
        } catch {
            printError("audit: cannot record in \(directory): \(error)")
            throw ExitStatus.unavailable
        }
    }
}
