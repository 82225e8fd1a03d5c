import Dispatch
import GRDB

/// Checks a day file's structure on its own connection and thread, while the verifier reads the rows.
///
/// The rows are what the hashes cover; the structure around them is not. An index rebuilt as a partial index
/// and passed off as the full one (its SQL put back through `writable_schema`) hides rows from every lookup that
/// uses it. `PRAGMA integrity_check` walks every page and compares every index with its table; the schema is
/// compared, object by object, with the one the ledger's migrations create, so no extra index, trigger or view
/// and no altered definition goes unnoticed.
final class StructureCheck: @unchecked Sendable {
    private let group = DispatchGroup()
    private var problem: String?

    init(path: String) {
        group.enter()
        DispatchQueue.global().async { [self] in
            problem = Self.check(path)
            group.leave()
        }
    }

    /// Waits for the check; the problem found, if any.
    func wait() -> String? {
        group.wait()
        return problem
    }

    static func check(_ path: String) -> String? {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db -> String? in
                let schema = try Self.schema(db)
                for (name, definition) in expectedSchema where schema[name] != definition {
                    return "its schema object \(name) is \(schema[name] == nil ? "missing" : "altered")"
                }
                if let extra = schema.keys.sorted().first(where: { expectedSchema[$0] == nil }) {
                    return "its schema holds an object the ledger never creates: \(extra)"
                }
                let findings = try String.fetchAll(db, sql: "PRAGMA integrity_check(10)")
                guard findings == ["ok"] else {
                    return "its structure does not hold (an index that disagrees with its table hides rows from "
                        + "queries): " + findings.prefix(3).joined(separator: "; ")
                }
                return nil
            }
        } catch {
            return "cannot check its structure: \(error)"
        }
    }

    /// Every schema object but GRDB's own bookkeeping, by name: type, table and SQL text.
    private static func schema(_ db: Database) throws -> [String: String] {
        var objects: [String: String] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name != 'grdb_migrations'")
        {
            let sql: String? = row["sql"]
            objects[row["name"]] = "\(row["type"] as String) on \(row["tbl_name"] as String): \(sql ?? "")"
        }
        return objects
    }

    /// The schema a new day file gets from ``LedgerSchema``'s migrations.
    static let expectedSchema: [String: String] = {
        do {
            let queue = try DatabaseQueue()
            try LedgerSchema.migrator.migrate(queue)
            return try queue.read(StructureCheck.schema)
        } catch {
            preconditionFailure("the ledger's own schema cannot be created in memory: \(error)")
        }
    }()
}
