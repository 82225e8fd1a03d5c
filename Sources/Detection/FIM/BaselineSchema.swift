import Crypto
import Foundation
import GRDB
import Policy

/// The baseline file's tables: `baseline_meta` (format, creation time, watch set, signature, and the public key
/// for information only — trust comes from the vault's key) and `baseline_files`, one row per path.
enum BaselineSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE baseline_meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                CREATE TABLE baseline_files (
                    path BLOB PRIMARY KEY NOT NULL, kind INTEGER NOT NULL, mode INTEGER NOT NULL,
                    uid INTEGER NOT NULL, gid INTEGER NOT NULL, size INTEGER NOT NULL, device INTEGER NOT NULL,
                    inode INTEGER NOT NULL, links INTEGER NOT NULL, mtime INTEGER NOT NULL, rdev INTEGER NOT NULL,
                    target BLOB, digest BLOB, xattrs BLOB, caps BLOB, rules INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
    }

    static func insert(
        _ baseline: FIMBaseline, signature: Data, publicKey: Curve25519.Signing.PublicKey, db: Database
    ) throws {
        let meta: [(String, Data)] = [
            ("format", Data(FIMBaseline.format.utf8)), ("created", Data(String(baseline.created).utf8)),
            ("watch_set", Data(baseline.watchSetJSON)), ("signature", signature),
            ("public_key", publicKey.rawRepresentation),
        ]
        for (key, value) in meta {
            try db.execute(sql: "INSERT INTO baseline_meta (key, value) VALUES (?, ?)", arguments: [key, value])
        }
        let statement = try db.makeStatement(
            sql: "INSERT INTO baseline_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for record in baseline.records {
            try statement.execute(arguments: [
                Data(record.path), Int(record.kind.rawValue), Int(record.mode), Int(record.uid), Int(record.gid),
                record.size, Int64(bitPattern: record.device), Int64(bitPattern: record.inode),
                Int64(bitPattern: record.links), record.mtimeNanoseconds, Int64(bitPattern: record.rdev),
                record.target.map { Data($0) }, record.digest.map { Data($0) }, record.xattrs.map { Data($0) },
                record.capabilities.map { Data($0) }, Int(record.rules.rawValue),
            ])
        }
    }

    /// The baseline as stored and its signature, unverified.
    static func load(_ path: String) throws(DetectionError) -> (FIMBaseline, Data) {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db throws -> (FIMBaseline, Data) in
                var meta: [String: Data] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT key, value FROM baseline_meta") {
                    meta[row["key"]] = row["value"]
                }
                guard meta["format"] == Data(FIMBaseline.format.utf8), let signature = meta["signature"],
                    let watchSet = meta["watch_set"], let createdText = meta["created"],
                    let created = Int64(String(decoding: createdText, as: UTF8.self))
                else { throw DetectionError.badInput("\(path) is not an \(FIMBaseline.format) file") }
                var records: [FileRecord] = []
                let rows = try Row.fetchCursor(db, sql: "SELECT * FROM baseline_files ORDER BY path")
                while let row = try rows.next() { records.append(try record(row, path: path)) }
                return (try FIMBaseline(watchSetJSON: Array(watchSet), created: created, records: records), signature)
            }
        } catch let error as DetectionError {
            throw error
        } catch {
            throw .badInput("cannot read the baseline \(path): \(error)")
        }
    }

    private static func record(_ row: Row, path file: String) throws -> FileRecord {
        let kindValue: Int = row["kind"]
        guard let kind = FileRecord.Kind(rawValue: UInt8(truncatingIfNeeded: kindValue)),
            kindValue == Int(kind.rawValue)
        else { throw DetectionError.badInput("\(file): a row of an unknown kind \(kindValue)") }
        let bytes = { (name: String) -> [UInt8]? in (row[name] as Data?).map { Array($0) } }
        return FileRecord(
            path: bytes("path") ?? [], kind: kind, mode: UInt32(truncatingIfNeeded: row["mode"] as Int64),
            uid: UInt32(truncatingIfNeeded: row["uid"] as Int64), gid: UInt32(truncatingIfNeeded: row["gid"] as Int64),
            size: row["size"], device: UInt64(bitPattern: row["device"]), inode: UInt64(bitPattern: row["inode"]),
            links: UInt64(bitPattern: row["links"]), mtimeNanoseconds: row["mtime"],
            rdev: UInt64(bitPattern: row["rdev"]), target: bytes("target"), digest: bytes("digest"),
            xattrs: bytes("xattrs"), capabilities: bytes("caps"),
            rules: FileRules(rawValue: UInt32(truncatingIfNeeded: row["rules"] as Int64)))
    }
}
