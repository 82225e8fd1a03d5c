import Capabilities

#if canImport(Glibc)
import Glibc
#endif

/// Checks that an entry's indexed columns say what its hashed bytes say, without parsing the JSON.
///
/// The canonical writer escapes every `"` inside a string, so the structural sequences it writes — the fixed
/// prefix up to `"capabilities_used":[`, then `],"result":…,"risk_level":…,"details":`, and a final
/// `,"task_id":…}` — cannot appear inside a value. Rendering them from the columns and finding them in the leaf
/// bytes is therefore exact, and far cheaper than parsing each entry. One checker reuses its buffer across rows.
struct LeafColumns {
    struct Columns {
        var id: UnsafeRawBufferPointer
        var timestamp: Int64
        var eventType: UnsafeRawBufferPointer
        var agent: UnsafeRawBufferPointer
        var action: UnsafeRawBufferPointer
        var target: UnsafeRawBufferPointer
        var result: UnsafeRawBufferPointer
        var riskLevel: UnsafeRawBufferPointer
        var taskID: UnsafeRawBufferPointer?
    }

    private var buffer: [UInt8] = []

    /// The first column that disagrees with `leaf`, or nil when all agree.
    mutating func mismatch(_ columns: Columns, leaf: UnsafeRawBufferPointer) -> String? {
        buffer.removeAll(keepingCapacity: true)
        buffer += #"{"id":"#.utf8
        JSONValue.writeString(bytes: columns.id, to: &buffer)
        guard starts(leaf, with: buffer) else { return "id" }
        buffer += #","timestamp":""#.utf8
        Timestamp(millisecondsSinceEpoch: columns.timestamp).writeRFC3339(to: &buffer)
        buffer.append(UInt8(ascii: "\""))
        guard starts(leaf, with: buffer) else { return "timestamp" }
        for (key, value) in [
            ("event_type", columns.eventType), ("agent", columns.agent), ("action", columns.action),
            ("target", columns.target),
        ] {
            buffer += ",\"\(key)\":".utf8
            JSONValue.writeString(bytes: value, to: &buffer)
            guard starts(leaf, with: buffer) else { return key }
        }
        buffer += #","capabilities_used":["#.utf8
        guard starts(leaf, with: buffer) else { return "capabilities_used" }
        let prefixLength = buffer.count
        buffer.removeAll(keepingCapacity: true)
        buffer += #"],"result":"#.utf8
        JSONValue.writeString(bytes: columns.result, to: &buffer)
        buffer += #","risk_level":"#.utf8
        JSONValue.writeString(bytes: columns.riskLevel, to: &buffer)
        buffer += #","details":"#.utf8
        guard contains(leaf, buffer, from: prefixLength) else { return "result or risk_level" }
        let endsWithString = leaf.count >= 2 && leaf[leaf.count - 2] == UInt8(ascii: "\"")
        guard let task = columns.taskID else { return endsWithString ? "task_id" : nil }
        buffer.removeAll(keepingCapacity: true)
        buffer += #","task_id":"#.utf8
        JSONValue.writeString(bytes: task, to: &buffer)
        buffer.append(UInt8(ascii: "}"))
        guard leaf.count >= buffer.count, leaf[(leaf.count - buffer.count)...].elementsEqual(buffer) else {
            return "task_id"
        }
        return nil
    }

    private func starts(_ leaf: UnsafeRawBufferPointer, with prefix: [UInt8]) -> Bool {
        leaf.count >= prefix.count
            && prefix.withUnsafeBytes { memcmp($0.baseAddress!, leaf.baseAddress!, prefix.count) == 0 }
    }

    private func contains(_ leaf: UnsafeRawBufferPointer, _ needle: [UInt8], from start: Int) -> Bool {
        guard leaf.count - start >= needle.count else { return false }
        return needle.withUnsafeBytes { needle in
            var position = start
            while position + needle.count <= leaf.count {
                let rest = leaf.count - position - needle.count + 1
                guard let hit = memchr(leaf.baseAddress! + position, Int32(needle[0]), rest) else { return false }
                position = UnsafeRawPointer(hit) - leaf.baseAddress!
                if memcmp(hit, needle.baseAddress!, needle.count) == 0 { return true }
                position += 1
            }
            return false
        }
    }
}
