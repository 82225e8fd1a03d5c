/// Checks that an entry's indexed columns say what its hashed bytes say, without parsing the JSON.
///
/// The canonical writer escapes every `"` inside a string, so the structural sequences it writes — the fixed
/// prefix up to `"capabilities_used":[`, then `],"result":…,"risk_level":…,"details":{`, and a final
/// `,"task_id":…}` — cannot appear inside a value. Rendering them from the columns and finding them in the leaf
/// bytes is therefore exact, and about ten times cheaper than parsing each entry.
enum LeafColumns {
    struct Columns {
        var id: String
        var timestamp: String
        var eventType: String
        var agent: String
        var action: String
        var target: String
        var result: String
        var riskLevel: String
        var taskID: String?
    }

    /// The first column that disagrees with `leaf`, or nil when all agree.
    static func mismatch(_ columns: Columns, leaf: UnsafeRawBufferPointer) -> String? {
        let bytes = leaf.bindMemory(to: UInt8.self)
        var prefix = "{"
        for (index, (key, value)) in [
            ("id", columns.id), ("timestamp", columns.timestamp), ("event_type", columns.eventType),
            ("agent", columns.agent), ("action", columns.action), ("target", columns.target),
        ].enumerated() {
            if index > 0 { prefix += "," }
            JSONValue.writeString(key, to: &prefix)
            prefix += ":"
            JSONValue.writeString(value, to: &prefix)
            guard bytes.starts(with: prefix.utf8) else { return key }
        }
        prefix += #","capabilities_used":["#
        guard bytes.starts(with: prefix.utf8) else { return "capabilities_used" }
        var middle = #"],"result":"#
        JSONValue.writeString(columns.result, to: &middle)
        middle += #","risk_level":"#
        JSONValue.writeString(columns.riskLevel, to: &middle)
        middle += #","details":{"#
        guard contains(Array(middle.utf8), in: bytes, from: prefix.utf8.count) else { return "result or risk_level" }
        var suffix = #","task_id":"#
        if let task = columns.taskID { JSONValue.writeString(task, to: &suffix) }
        let hasTask = bytes.count >= 2 && bytes[bytes.count - 2] == UInt8(ascii: "\"")
        if let _ = columns.taskID {
            guard bytes.count > suffix.utf8.count, bytes.dropLast().reversed().starts(with: suffix.utf8.reversed())
            else { return "task_id" }
        } else if hasTask {
            return "task_id"
        }
        return nil
    }

    private static func contains(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        guard needle.count <= haystack.count - start else { return false }
        var index = start
        let first = needle[0]
        while index + needle.count <= haystack.count {
            if haystack[index] == first && needle.indices.allSatisfy({ haystack[index + $0] == needle[$0] }) {
                return true
            }
            index += 1
        }
        return false
    }
}
