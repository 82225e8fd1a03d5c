import Dispatch

/// Checks the hash chain and builds the Merkle tree on a second core while the caller steps through the rows
/// and checks everything else. The caller hands over each entry's leaf and stored hashes in chunks (copied:
/// SQLite's row memory lasts one step); a serial queue recomputes the chain and hashes the leaves into the tree.
/// The semaphore bounds the chunks in flight, so memory stays small however long the day is.
final class ParallelChainChecker: @unchecked Sendable {
    /// Entries packed end to end: leaf bytes, then its stored previous hash and entry hash (64 bytes).
    private struct Chunk: Sendable {
        var firstSeq = 0
        var bytes: [UInt8] = []
        var ends: [Int] = []
    }

    /// The first entry whose chain link or hash is wrong, and why.
    struct Break: Error, Sendable {
        let seq: Int
        let reason: String
    }

    static let chunkSize = 4096

    private let queue = DispatchQueue(label: "aios.audit.verify-chain")
    private let inFlight = DispatchSemaphore(value: 4)
    private var pending = Chunk()
    private var nextSeq = 1
    // Touched only on `queue` until `finish()` returns.
    private var tree = MerkleTree()
    private var head: Hash32
    private var firstBreak: Break?

    init(genesis: Hash32) {
        head = genesis
    }

    /// Adds the next entry (in ledger order): its leaf and the two 32-byte hashes stored beside it.
    func append(leaf: UnsafeRawBufferPointer, previous: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) {
        precondition(previous.count == 32 && hash.count == 32, "the caller checks the stored hashes' sizes")
        if pending.ends.isEmpty { pending.firstSeq = nextSeq }
        nextSeq += 1
        pending.bytes.append(contentsOf: leaf)
        pending.bytes.append(contentsOf: previous)
        pending.bytes.append(contentsOf: hash)
        pending.ends.append(pending.bytes.count)
        if pending.ends.count == Self.chunkSize { flush() }
    }

    private func flush() {
        guard !pending.ends.isEmpty else { return }
        let chunk = pending
        pending = Chunk()
        pending.bytes.reserveCapacity(chunk.bytes.count)
        inFlight.wait()
        queue.async { [self] in
            defer { inFlight.signal() }
            guard firstBreak == nil else { return }
            chunk.bytes.withUnsafeBytes { bytes in
                var start = 0
                for (offset, end) in chunk.ends.enumerated() {
                    let leaf = UnsafeRawBufferPointer(rebasing: bytes[start..<end - 64])
                    let previous = Hash32(raw: UnsafeRawBufferPointer(rebasing: bytes[end - 64..<end - 32]))
                    let stored = Hash32(raw: UnsafeRawBufferPointer(rebasing: bytes[end - 32..<end]))
                    start = end
                    guard previous == head else {
                        firstBreak = Break(seq: chunk.firstSeq + offset, reason: "does not link to the entry before it")
                        return
                    }
                    let hash = withUnsafeBytes(of: head.bytes) { Hash32.sha256([$0, leaf]) }
                    guard stored == hash else {
                        firstBreak = Break(
                            seq: chunk.firstSeq + offset,
                            reason: "its bytes do not match its hash: the entry was changed")
                        return
                    }
                    head = hash
                    tree.append(leafHash: MerkleTree.leafHash(leaf))
                }
            }
        }
    }

    /// Waits for every entry handed over, and returns the tree or the first break in the chain.
    func finish() -> Result<MerkleTree, Break> {
        flush()
        return queue.sync { firstBreak.map { .failure($0) } ?? .success(tree) }
    }
}
