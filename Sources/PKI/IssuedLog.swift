import Foundation

/// Every certificate the CA signed, one JSON line each (`issued.jsonl`), appended and fsynced before the certificate
/// is handed out, so a serial can always be revoked. Append-only keeps issuing cost flat as the log grows.
struct IssuedLog: Sendable {
    let path: String

    func append(_ record: CAState.Issued) throws(PKIError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        guard let line = try? encoder.encode(record) else { throw PKIError(.io, "cannot encode an issued record") }
        let descriptor = open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PKIError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array(line) + [UInt8(ascii: "\n")]
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            throw PKIError(.io, "cannot append to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// All records, oldest first. A line that does not decode is an error naming its number.
    func records() throws(PKIError) -> [CAState.Issued] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var records: [CAState.Issued] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let record = try? decoder.decode(CAState.Issued.self, from: Data(line)) else {
                throw PKIError(.state, "\(path):\(index + 1): not an issued-certificate record")
            }
            records.append(record)
        }
        return records
    }
}
