import Audit

/// What the audit pages show of stored entries. Every value is text the templates escape: targets, agents and
/// details are written by agents.
enum AuditEntryValues {
    /// One row of a result table.
    static func row(_ entry: StoredEntry) -> [String: Any] {
        [
            "id": entry.id, "time": entry.timestamp.rfc3339, "type": entry.eventType, "agent": entry.agent,
            "action": entry.action, "target": entry.target, "result": entry.result, "risk": entry.riskLevel,
        ]
    }

    /// Every field of the entry as stored (top-level members of its hashed JSON, nested values as compact JSON),
    /// and its place in the hash chain.
    static func detail(_ entry: StoredEntry) -> [String: Any] {
        var fields: [[String: Any]] = []
        if case .object(let members)? = try? JSONParser.parse(entry.json) {
            fields = members.map { member in
                let text: String =
                    switch member.value {
                    case .string(let text): text
                    default: member.value.canonicalText
                    }
                return ["name": member.key, "value": text]
            }
        }
        var values = row(entry)
        values["fields"] = fields
        values["json"] = entry.json
        values["day"] = entry.day
        values["seq"] = entry.seq
        values["previousHash"] = entry.previousHash?.hex ?? "–"
        values["entryHash"] = entry.entryHash?.hex ?? "–"
        values["leafHash"] = MerkleTree.leafHash(Array(entry.json.utf8)).hex
        return values
    }

    /// An inclusion proof and the result of checking it.
    static func proof(_ proof: InclusionProof, check: Result<Checkpoint, AuditError>) -> [String: Any] {
        var values: [String: Any] = [
            "index": proof.index, "treeSize": proof.treeSize,
            "path": proof.path.enumerated().map { ["step": $0.offset + 1, "hash": $0.element.hex] },
            "checkpoint": proof.checkpointNote, "proofJSON": proof.json.canonicalText,
        ]
        switch check {
        case .success(let checkpoint):
            values["valid"] = ["origin": checkpoint.origin, "size": checkpoint.size, "root": checkpoint.root.hex]
        case .failure(let error):
            values["invalid"] = ["problem": error.message]
        }
        return values
    }
}
