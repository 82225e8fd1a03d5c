import Audit

/// Feeds arbitrary bytes to what `audit append` runs on each line: the strict JSON parser and the entry decoder.
/// Properties checked: no crash; an accepted value's canonical text parses back to the same value; an accepted
/// entry's canonical JSON parses and decodes back to the same entry.
public func fuzzAuditImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONParser.parse(bytes: bytes) else { return 0 }
    guard (try? JSONParser.parse(value.canonicalText)) == value else {
        fatalError("canonical text does not round-trip")
    }
    guard let draft = try? AuditDraft.decode(value) else { return 0 }
    let entry = AuditEntry(id: "audit-20261129-000000-000000", timestamp: .seconds(1_764_374_400), draft: draft)
    guard let reparsed = try? JSONParser.parse(entry.canonicalJSON) else { fatalError("an entry is not JSON") }
    var members: [(key: String, value: JSONValue)] = []
    if case .object(let all) = reparsed { members = all.filter { $0.key != "id" && $0.key != "timestamp" } }
    guard let again = try? AuditDraft.decode(.object(members)), again == AuditDraft(normalizing: draft) else {
        fatalError("an entry does not decode back to itself")
    }
    return 0
}

extension AuditDraft {
    /// The draft as stored: details with sorted keys.
    init(normalizing draft: AuditDraft) {
        self = draft
        details = draft.details.sortingKeys
    }
}
