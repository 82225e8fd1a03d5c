import Audit
import Capabilities

/// Feeds arbitrary text to the query parser as `name=value` lines (what the CLI and RPCs pass through), then
/// runs an accepted query against an empty ledger directory. Properties: no crash; an accepted query respects
/// its own bounds (limit in range, until not before since).
public func fuzzAuditQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let filters = text.split(separator: "\n").map { line -> (name: String, value: String) in
        let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }
    guard let query = try? AuditQuery(filters: filters, now: .seconds(1_764_374_400)) else { return 0 }
    if let limit = query.limit, !(1...AuditQuery.maximumLimit).contains(limit) { fatalError("limit out of range") }
    if let since = query.since, let until = query.until, until < since { fatalError("until before since") }
    try? LedgerReader(directory: "/nonexistent-aios-fuzz").entries(matching: query) { _ in true }
    return 0
}
