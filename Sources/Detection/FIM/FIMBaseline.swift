import Crypto
import Foundation
import Policy

/// What `fim init` or `fim update` recorded: the watch set it was made for and one record per path, in path byte
/// order. Its digest covers every byte of all of it; that digest is what the vault's key signs.
public struct FIMBaseline: Sendable {
    public static let format = "aios-fim-baseline/1"

    public var watchSet: FileWatchPolicy
    /// The watch set as stored and signed (JSON, sorted keys).
    let watchSetJSON: [UInt8]
    /// Milliseconds since the epoch.
    public var created: Int64
    public var records: [FileRecord]

    public init(watchSet: FileWatchPolicy, created: Int64, records: [FileRecord]) {
        self.watchSet = watchSet
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // A struct of strings, numbers and lists always encodes.
        self.watchSetJSON = Array((try? encoder.encode(watchSet)) ?? Data())
        self.created = created
        self.records = records
    }

    init(watchSetJSON: [UInt8], created: Int64, records: [FileRecord]) throws(DetectionError) {
        do {
            self.watchSet = try JSONDecoder().decode(FileWatchPolicy.self, from: Data(watchSetJSON))
        } catch {
            throw .badInput("the baseline's watch set cannot be read: \(error)")
        }
        self.watchSetJSON = watchSetJSON
        self.created = created
        self.records = records
    }

    /// SHA-256 over the format, the creation time, the watch set and every record, each length-prefixed.
    public var digest: [UInt8] {
        var hasher = SHA256()
        var header: [UInt8] = []
        FileRecord.append(Array(Self.format.utf8), to: &header)
        FileRecord.append(UInt64(bitPattern: created), to: &header)
        FileRecord.append(watchSetJSON, to: &header)
        FileRecord.append(UInt64(records.count), to: &header)
        hasher.update(data: header)
        for record in records { record.canonicalize(into: &hasher) }
        return Array(hasher.finalize())
    }
}
