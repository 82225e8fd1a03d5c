import Capabilities
import Foundation
import GRDB
import GRDBSQLite

/// One UTC day of the ledger: its SQLite file, its chain head and its Merkle tree (kept in memory, rebuilt from
/// the stored leaves when the file is opened).
final class LedgerDay: @unchecked Sendable {
    let path: String
    let day: String
    let origin: String
    let genesis: Hash32
    let previousCheckpoint: String?
    let writer: DatabasePool?
    let reader: DatabaseQueue?
    /// Only the ledger's writer thread touches these after opening.
    private(set) var tree = MerkleTree()
    private(set) var head: Hash32
    private(set) var lastTimestamp: Int64 = 0

    var count: Int { tree.size }

    static func fileName(day: String) -> String { "ledger-\(day).sqlite" }

    /// The day of a file name `ledger-YYYY-MM-DD.sqlite`, if it is one.
    static func day(ofFileName name: String) -> String? {
        guard name.hasPrefix("ledger-"), name.hasSuffix(".sqlite"), name.count == "ledger-YYYY-MM-DD.sqlite".count
        else { return nil }
        return String(name.dropFirst("ledger-".count).dropLast(".sqlite".count))
    }

    private init(
        path: String, meta: Meta, writer: DatabasePool?, reader: DatabaseQueue?
    ) {
        self.path = path
        self.day = meta.day
        self.origin = meta.origin
        self.genesis = meta.genesis
        self.previousCheckpoint = meta.previousCheckpoint
        self.writer = writer
        self.reader = reader
        self.head = meta.genesis
    }

    struct Meta {
        var day: String
        var origin: String
        var genesis: Hash32
        var previousCheckpoint: String?
    }

    private static func writerConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        // Another process (a CLI command while the daemon runs) may hold the write lock for a moment.
        configuration.busyMode = .timeout(10)
        return configuration
    }

    /// Creates the file (mode 0600) for a new day and records where its chain starts. Atomically: the schema and
    /// the chain's start are written to a temporary file in the same directory, made durable, and only then linked
    /// to the day's name — a process killed half-way leaves at most a stray `.incoming-…` file, never a day file
    /// without its tables (which would refuse every later append). When another process (a CLI command beside the
    /// daemon) created the day first, its file is opened instead.
    static func create(directory: String, meta: Meta) throws(AuditError) -> LedgerDay {
        let path = directory + "/" + fileName(day: meta.day)
        let temporary = directory + "/.incoming-\(fileName(day: meta.day))-\(UUID().uuidString.prefix(8))"
        let descriptor = Glibc.open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw .storage("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        Glibc.close(descriptor)
        defer { unlink(temporary) }
        do {
            // A rollback journal while it is private: one self-contained file to link into place.
            var configuration = Configuration()
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            let queue = try DatabaseQueue(path: temporary, configuration: configuration)
            try LedgerSchema.migrator.migrate(queue)
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO ledger_meta (singleton, format, day, origin, genesis, previous_checkpoint) "
                        + "VALUES (1, ?, ?, ?, ?, ?)",
                    arguments: [
                        LedgerSchema.format, meta.day, meta.origin, Data(meta.genesis.array), meta.previousCheckpoint,
                    ])
            }
            try queue.close()
        } catch {
            throw .storage("cannot initialise \(path): \(error)")
        }
        let file = Glibc.open(temporary, O_RDONLY | O_CLOEXEC)
        let synced = file >= 0 && fsync(file) == 0
        if file >= 0 { Glibc.close(file) }
        guard synced else { throw .storage("cannot make \(temporary) durable: \(String(cString: strerror(errno)))") }
        if link(temporary, path) != 0 {
            guard errno == EEXIST else {
                throw .storage("cannot create \(path): \(String(cString: strerror(errno)))")
            }
            try LedgerFiles.checkDayFile(path)
            return try open(path: path, writable: true)
        }
        let parent = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if parent >= 0 {
            fsync(parent)
            Glibc.close(parent)
        }
        do {
            return LedgerDay(
                path: path, meta: meta, writer: try DatabasePool(path: path, configuration: writerConfiguration()),
                reader: nil)
        } catch {
            throw .storage("cannot open \(path): \(error)")
        }
    }

    /// Opens an existing day; unless `load` is false, loads its leaves into the tree, checking the chain link by
    /// link.
    static func open(path: String, writable: Bool, load: Bool = true) throws(AuditError) -> LedgerDay {
        do {
            let day: LedgerDay
            if writable {
                let pool = try DatabasePool(path: path, configuration: writerConfiguration())
                day = LedgerDay(path: path, meta: try pool.read(readMeta), writer: pool, reader: nil)
            } else {
                var configuration = Configuration()
                configuration.readonly = true
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                day = LedgerDay(path: path, meta: try queue.read(readMeta), writer: nil, reader: queue)
            }
            if load { try day.load() }
            return day
        } catch let error as AuditError {
            throw error
        } catch {
            throw .storage("cannot open \(path): \(error)")
        }
    }

    private static func readMeta(_ db: Database) throws -> Meta {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT format, day, origin, genesis, previous_checkpoint FROM ledger_meta")
        else { throw AuditError.tampered("ledger metadata is missing") }
        let format: Int = row["format"]
        guard format == LedgerSchema.format else { throw AuditError.storage("unknown ledger format \(format)") }
        let genesisData: Data = row["genesis"]
        guard let genesis = Hash32(genesisData) else { throw AuditError.tampered("ledger genesis is not 32 bytes") }
        return Meta(
            day: row["day"], origin: row["origin"], genesis: genesis, previousCheckpoint: row["previous_checkpoint"])
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        if let writer { return try writer.read(body) }
        return try reader!.read(body)
    }

    /// Rebuilds the tree and the chain head from the stored rows, refusing a broken chain.
    private func load() throws {
        try read { db in try catchUp(db) }
    }

    /// Takes in rows another process appended since this one last read or wrote, checking each link.
    func refresh() throws(AuditError) {
        do {
            try load()
        } catch let error as AuditError {
            throw error
        } catch {
            throw .storage("cannot read \(path): \(error)")
        }
    }

    /// Extends the tree and the chain head with rows stored after what this process has seen — by itself at open,
    /// or by another process (a CLI command appending while the daemon runs) — verifying each link.
    private func catchUp(_ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "SELECT seq, leaf, prev_hash, entry_hash, timestamp_ms FROM entries WHERE seq > ? ORDER BY seq")
        let rows = try Row.fetchCursor(statement, arguments: [count])
        var expected = count + 1
        while let row = try rows.next() {
            let seq: Int = row["seq"]
            let leaf: Data = row["leaf"]
            let prev: Data = row["prev_hash"]
            let stored: Data = row["entry_hash"]
            guard seq == expected, Hash32(prev) == head else {
                throw AuditError.tampered("\(path): the chain breaks at entry \(seq)")
            }
            let computed = Self.chainHash(previous: head, leaf: leaf)
            guard Hash32(stored) == computed else {
                throw AuditError.tampered("\(path): entry \(seq) does not match its hash")
            }
            head = computed
            tree.append(leafHash: MerkleTree.leafHash(Array(leaf)))
            lastTimestamp = row["timestamp_ms"]
            expected += 1
        }
    }

    /// The chain link: SHA-256(previous entry's hash ‖ this entry's leaf bytes).
    static func chainHash(previous: Hash32, leaf: some ContiguousBytes) -> Hash32 {
        withUnsafeBytes(of: previous.bytes) { head in leaf.withUnsafeBytes { Hash32.sha256([head, $0]) } }
    }

    /// Appends `entries` in one IMMEDIATE transaction (one fsync) and advances the chain and the tree only once it
    /// is durable. Another process may have appended since: its rows are verified and taken in first, and entries
    /// stamped earlier than the newest stored one are re-stamped to it (time never goes back in a day file).
    /// Returns the entries as stored.
    @discardableResult
    func append(_ entries: [AuditEntry]) throws(AuditError) -> [AuditEntry] {
        guard let writer else { throw .storage("\(path) is open read-only") }
        var stored: [AuditEntry] = []
        var rows: [([UInt8], Hash32)] = []
        do {
            // IMMEDIATE: take the write lock before reading what the append must extend.
            try writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try catchUp(db)
                    stored = entries.map { entry in
                        entry.timestamp.millisecondsSinceEpoch >= lastTimestamp
                            ? entry
                            : AuditEntry(
                                id: entry.id, timestamp: Timestamp(millisecondsSinceEpoch: lastTimestamp),
                                draft: entry.draft)
                    }
                    var head = self.head
                    rows = stored.map { entry in
                        let leaf = entry.canonicalBytes
                        head = Self.chainHash(previous: head, leaf: leaf)
                        return (leaf, head)
                    }
                    let firstSeq = Int64(count + 1)
                    let statement = try db.cachedStatement(
                        sql: "INSERT INTO entries (seq, id, timestamp_ms, event_type, agent, action, target, result, "
                            + "risk_level, task_id, leaf, prev_hash, entry_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
                    // Bound straight through the C API: no per-value boxing on the ledger's hottest path.
                    let sqlite = statement.sqliteStatement
                    var previous = self.head
                    for (offset, (entry, (leaf, hash))) in zip(stored, rows).enumerated() {
                        sqlite3_reset(sqlite)
                        sqlite3_bind_int64(sqlite, 1, firstSeq + Int64(offset))
                        Self.bind(sqlite, 2, entry.id)
                        sqlite3_bind_int64(sqlite, 3, entry.timestamp.millisecondsSinceEpoch)
                        Self.bind(sqlite, 4, entry.eventType.rawValue)
                        Self.bind(sqlite, 5, entry.agent)
                        Self.bind(sqlite, 6, entry.action)
                        Self.bind(sqlite, 7, entry.target)
                        Self.bind(sqlite, 8, entry.result.rawValue)
                        Self.bind(sqlite, 9, entry.riskLevel.rawValue)
                        if let task = entry.draft.taskID {
                            Self.bind(sqlite, 10, task)
                        } else {
                            sqlite3_bind_null(sqlite, 10)
                        }
                        leaf.withUnsafeBytes {
                            _ = sqlite3_bind_blob(sqlite, 11, $0.baseAddress, Int32($0.count), transient)
                        }
                        withUnsafeBytes(of: previous.bytes) {
                            _ = sqlite3_bind_blob(sqlite, 12, $0.baseAddress, 32, transient)
                        }
                        withUnsafeBytes(of: hash.bytes) {
                            _ = sqlite3_bind_blob(sqlite, 13, $0.baseAddress, 32, transient)
                        }
                        let code = sqlite3_step(sqlite)
                        guard code == SQLITE_DONE else {
                            throw AuditError.storage(
                                "SQLite error \(code): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                        }
                        previous = hash
                    }
                    sqlite3_reset(sqlite)
                    sqlite3_clear_bindings(sqlite)
                    return .commit
                }
            }
        } catch let error as AuditError {
            throw error
        } catch {
            throw .storage("cannot append to \(path): \(error)")
        }
        for ((leaf, hash), entry) in zip(rows, stored) {
            tree.append(leafHash: MerkleTree.leafHash(leaf))
            lastTimestamp = entry.timestamp.millisecondsSinceEpoch
            head = hash
        }
        return stored
    }

    private static func bind(_ statement: OpaquePointer?, _ index: Int32, _ text: String) {
        var copy = text
        copy.withUTF8 { _ = sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), transient) }
    }

    func close() {
        try? writer?.close()
        try? reader?.close()
    }
}

/// SQLite copies bound values given this destructor.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
