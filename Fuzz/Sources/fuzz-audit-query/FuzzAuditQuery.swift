import Audit
import Capabilities

/// Feeds arbitrary text to the query parser as `name=value` lines (what the CLI, the RPCs and the console's search
/// form pass through), then runs an accepted query against an empty ledger directory, oldest first and as a
/// newest-first page. A `before=` line is the console's page position. Properties: no crash; an accepted query
/// respects its own bounds (limit in range, until not before since); an accepted position prints to the text it
/// was read from.
public func fuzzAuditQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var filters = text.split(separator: "\n").map { line -> (name: String, value: String) in
        let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }
    var before: LedgerPosition? = nil
    if let index = filters.firstIndex(where: { $0.name == "before" }) {
        let value = filters.remove(at: index).value
        before = LedgerPosition(value)
        if let before, before.description != value { fatalError("a position does not print as it was read") }
    }
    guard let query = try? AuditQuery(filters: filters, now: .seconds(1_764_374_400)) else { return 0 }
    if let limit = query.limit, !(1...AuditQuery.maximumLimit).contains(limit) { fatalError("limit out of range") }
    if let since = query.since, let until = query.until, until < since { fatalError("until before since") }
    try? LedgerReader(directory: "/nonexistent-aios-fuzz").entries(matching: query) { _ in true }
    _ = try? LedgerReader(directory: "/nonexistent-aios-fuzz").page(
        matching: query, before: before, limit: 50, budget: 1000)
    return 0
}
