import GRDB

/// The schema of one day's ledger file. Migrations never change once shipped; a new format adds a migration.
///
/// The triggers refuse UPDATE and DELETE, and refuse any INSERT that does not extend the chain by exactly one
/// (which also stops `INSERT OR REPLACE`, since the replacing row cannot have the next sequence number). They are
/// a guard against bugs: anyone who can write the file can drop them. The hashes and signed checkpoints are the
/// security boundary.
enum LedgerSchema {
    static let format = 1

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger_meta (
                      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                      format INTEGER NOT NULL,
                      day TEXT NOT NULL,
                      origin TEXT NOT NULL,
                      genesis BLOB NOT NULL CHECK (length(genesis) = 32),
                      previous_checkpoint TEXT
                    );
                    CREATE TABLE entries (
                      seq INTEGER PRIMARY KEY,
                      id TEXT NOT NULL UNIQUE,
                      timestamp_ms INTEGER NOT NULL,
                      event_type TEXT NOT NULL,
                      agent TEXT NOT NULL,
                      action TEXT NOT NULL,
                      target TEXT NOT NULL,
                      result TEXT NOT NULL,
                      risk_level TEXT NOT NULL,
                      task_id TEXT,
                      leaf BLOB NOT NULL,
                      prev_hash BLOB NOT NULL,
                      entry_hash BLOB NOT NULL
                    );
                    CREATE INDEX entries_time ON entries(timestamp_ms);
                    CREATE INDEX entries_agent ON entries(agent, timestamp_ms);
                    CREATE TRIGGER ledger_meta_once BEFORE INSERT ON ledger_meta
                      WHEN (SELECT count(*) FROM ledger_meta) > 0
                      BEGIN SELECT RAISE(ABORT, 'audit ledger metadata is written once'); END;
                    CREATE TRIGGER ledger_meta_no_update BEFORE UPDATE ON ledger_meta
                      BEGIN SELECT RAISE(ABORT, 'audit ledger metadata is written once'); END;
                    CREATE TRIGGER ledger_meta_no_delete BEFORE DELETE ON ledger_meta
                      BEGIN SELECT RAISE(ABORT, 'audit ledger metadata is written once'); END;
                    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
                      BEGIN SELECT RAISE(ABORT, 'audit ledger is append-only: UPDATE refused'); END;
                    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
                      BEGIN SELECT RAISE(ABORT, 'audit ledger is append-only: DELETE refused'); END;
                    CREATE TRIGGER entries_extend_chain BEFORE INSERT ON entries
                      WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM entries)
                        OR NEW.prev_hash IS NOT coalesce(
                          (SELECT entry_hash FROM entries WHERE seq = NEW.seq - 1),
                          (SELECT genesis FROM ledger_meta))
                      BEGIN SELECT RAISE(ABORT, 'audit ledger is append-only: an INSERT must extend the chain'); END;
                    """)
        }
        return migrator
    }
}
