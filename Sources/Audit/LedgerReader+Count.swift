import GRDB

extension LedgerReader {
    /// How many entries the ledger holds, over every day file (one `COUNT(*)` per day).
    public func count() throws(AuditError) -> Int {
        var total = 0
        for file in try LedgerFiles.days(in: directory) {
            let day = try LedgerDay.open(path: file.path, writable: false, load: false)
            defer { day.close() }
            do {
                total += try day.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entries") ?? 0 }
            } catch {
                throw .storage("cannot read \(file.path): \(error)")
            }
        }
        return total
    }
}
