import Foundation

/// The checkpoint log, kept apart from the ledger files: one JSON line `{"note": "<signed note>"}` per
/// checkpoint, appended and fsynced after the entries it covers are durable. It keeps the whole history (unlike
/// Tessera), so a verifier can check every checkpoint ever written against the ledger.
struct CheckpointLog {
    let path: String

    static let fileName = "checkpoints.log"

    /// Appends one signed checkpoint durably (mode 0600 on creation).
    func append(_ checkpoint: SignedCheckpoint) throws(AuditError) {
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .storage("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(descriptor) }
        let line = Array((JSONValue.object([("note", .string(checkpoint.note))]).canonicalText + "\n").utf8)
        let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fdatasync(descriptor) == 0 else {
            throw .storage("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Every note in the log, in order, with its line number. A line that is not a note is an error: the log is
    /// written only by the ledger.
    func notes() throws(AuditError) -> [(line: Int, note: String)] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw .storage("cannot read \(path)") }
        var notes: [(Int, String)] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.isEmpty {
            guard let value = try? JSONParser.parse(bytes: Array(line)), let note = value["note"]?.stringValue else {
                throw .tampered("\(path):\(index + 1): not a checkpoint line")
            }
            notes.append((index + 1, note))
        }
        return notes
    }
}

/// Reads the checkpoint log of a ledger directory (for tools outside the module).
public enum CheckpointLogReader {
    public static func notes(in directory: String, path: String? = nil) throws(AuditError) -> [(
        line: Int, note: String
    )] {
        try CheckpointLog(path: path ?? directory + "/" + CheckpointLog.fileName).notes()
    }
}
