import Foundation

/// Finds the ledger's day files in a directory (and its monthly archives).
public enum LedgerFiles {
    public struct DayFile: Sendable {
        public let day: String
        public let path: String
    }

    /// Day files directly in `directory`, oldest first.
    static func days(in directory: String) throws(AuditError) -> [DayFile] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .storage("cannot list \(directory): \(error.localizedDescription)")
        }
        return names.compactMap { name in
            LedgerDay.day(ofFileName: name).map { DayFile(day: $0, path: directory + "/" + name) }
        }.sorted { $0.day < $1.day }
    }
}
