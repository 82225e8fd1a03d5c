/// Proof that one entry is in the ledger: the entry's exact bytes, its place, the audit path, and the signed
/// checkpoint whose root the path leads to. Checkable offline with only the pinned public key.
public struct InclusionProof: Hashable, Sendable {
    public let entry: String
    public let index: Int
    public let treeSize: Int
    public let path: [Hash32]
    public let checkpointNote: String

    public var json: JSONValue {
        .object([
            ("format", .string("aios-audit-inclusion-proof/1")),
            ("entry", .string(entry)),
            ("index", .integer(Int64(index))),
            ("tree_size", .integer(Int64(treeSize))),
            ("leaf_hash", .string(MerkleTree.leafHash(Array(entry.utf8)).base64)),
            ("path", .array(path.map { .string($0.base64) })),
            ("checkpoint", .string(checkpointNote)),
        ])
    }

    public init(entry: String, index: Int, treeSize: Int, path: [Hash32], checkpointNote: String) {
        self.entry = entry
        self.index = index
        self.treeSize = treeSize
        self.path = path
        self.checkpointNote = checkpointNote
    }

    /// Reads ``json``; anything else is an input error naming the field.
    public init(json value: JSONValue) throws(AuditError) {
        guard value["format"]?.stringValue == "aios-audit-inclusion-proof/1" else {
            throw .input("not an inclusion proof (format aios-audit-inclusion-proof/1)")
        }
        guard let entry = value["entry"]?.stringValue, let note = value["checkpoint"]?.stringValue else {
            throw .input("an inclusion proof needs 'entry' and 'checkpoint'")
        }
        guard case .integer(let index)? = value["index"], case .integer(let size)? = value["tree_size"], index >= 0,
            size > index, size <= Int64(Int32.max)
        else { throw .input("'index' and 'tree_size' must be integers with 0 ≤ index < tree_size") }
        guard case .array(let items)? = value["path"], items.count <= 64 else { throw .input("'path' must be a list") }
        var path: [Hash32] = []
        for item in items {
            guard let text = item.stringValue, let bytes = Base64.decode(text), let hash = Hash32(bytes) else {
                throw .input("'path' holds something that is not a base64 SHA-256")
            }
            path.append(hash)
        }
        self.init(entry: entry, index: Int(index), treeSize: Int(size), path: path, checkpointNote: note)
    }

    /// Checks the proof: the checkpoint's signature with the pinned key, its size, and the path from the entry's
    /// leaf hash to its root. Returns the checkpoint, or why the proof fails.
    public func verify(with verifier: CheckpointVerifier) -> Result<Checkpoint, AuditError> {
        guard let checkpoint = verifier.verify(note: checkpointNote) else {
            return .failure(.tampered("the checkpoint's signature does not verify with the pinned key"))
        }
        guard checkpoint.size == treeSize else {
            return .failure(
                .tampered("the proof is for a tree of \(treeSize), the checkpoint is of \(checkpoint.size)"))
        }
        let leafHash = MerkleTree.leafHash(Array(entry.utf8))
        guard
            MerkleTree.verifyInclusion(
                leafHash: leafHash, index: index, size: treeSize, proof: path, root: checkpoint.root)
        else { return .failure(.tampered("the audit path does not lead from this entry to the checkpoint's root")) }
        return .success(checkpoint)
    }
}

extension LedgerReader {
    /// An inclusion proof for entry `id` against the newest checkpoint of its day that covers it.
    public func prove(id: String, checkpointLog: String? = nil, verifier: CheckpointVerifier) throws(AuditError)
        -> InclusionProof
    {
        guard let (file, entry) = try find(id: id) else { throw .notFound("no entry \(id)") }
        let log = CheckpointLog(path: checkpointLog ?? directory + "/" + CheckpointLog.fileName)
        let origin = Ledger.origin(day: file.day)
        // The newest note that covers the entry and verifies (its verified body is the one read unverified). A day
        // under load adds a note a second, so the log holds millions: only notes whose body could serve are
        // verified, newest first — one signature check, not one per note.
        let covering = try log.notes().reversed().lazy.filter { line in
            Checkpoint.claimed(by: line.note).map { $0.origin == origin && $0.size >= entry.seq } ?? false
        }
        guard
            let (checkpoint, note) = covering.compactMap({ line -> (Checkpoint, String)? in
                verifier.verify(note: line.note).map { ($0, line.note) }
            }).first
        else { throw .notFound("no checkpoint covers \(id) yet (checkpoints follow within a second)") }
        let day = try LedgerDay.open(path: file.path, writable: false)
        defer { day.close() }
        guard day.tree.size >= checkpoint.size, day.tree.root(size: checkpoint.size) == checkpoint.root else {
            throw .tampered("\(file.path) does not match its checkpoint of size \(checkpoint.size); run audit verify")
        }
        return InclusionProof(
            entry: entry.json, index: entry.seq - 1, treeSize: checkpoint.size,
            path: day.tree.inclusionProof(index: entry.seq - 1, size: checkpoint.size), checkpointNote: note)
    }
}
