/// An RFC 9162 Merkle tree over the ledger's leaves: leaf hash `SHA-256(0x00 ‖ leaf)`, interior node
/// `SHA-256(0x01 ‖ left ‖ right)`, an unbalanced right edge split at the largest power of two.
///
/// Complete subtrees are kept per level, so a root or an inclusion proof for any tree size up to ``size`` costs
/// O(log² n) hashes at most and no I/O.
public struct MerkleTree: Sendable {
    /// `levels[k]` holds the hashes of the complete subtrees of 2^k leaves, left to right.
    private var levels: [[Hash32]] = [[]]

    public init() {}

    public var size: Int { levels[0].count }

    public static func leafHash(_ leaf: [UInt8]) -> Hash32 {
        leaf.withUnsafeBytes { leafHash($0) }
    }

    public static func leafHash(_ leaf: UnsafeRawBufferPointer) -> Hash32 {
        withUnsafeBytes(of: UInt8(0)) { prefix in Hash32.sha256([prefix, leaf]) }
    }

    static func nodeHash(_ left: Hash32, _ right: Hash32) -> Hash32 {
        withUnsafeBytes(of: UInt8(1)) { prefix in
            withUnsafeBytes(of: left.bytes) { l in
                withUnsafeBytes(of: right.bytes) { r in Hash32.sha256([prefix, l, r]) }
            }
        }
    }

    public mutating func append(leafHash: Hash32) {
        levels[0].append(leafHash)
        var level = 0
        while levels[level].count % 2 == 0 {
            let count = levels[level].count
            let parent = Self.nodeHash(levels[level][count - 2], levels[level][count - 1])
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(parent)
            level += 1
        }
    }

    /// The root of the tree of the first `size` leaves (the empty tree's root is SHA-256 of nothing).
    public func root(size: Int) -> Hash32 {
        precondition(size <= self.size, "the tree has only \(self.size) leaves")
        guard size > 0 else { return Hash32.sha256([UInt8]()) }
        return subtree(0, size)
    }

    public var root: Hash32 { root(size: size) }

    /// RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of the first `size` leaves.
    public func inclusionProof(index: Int, size: Int) -> [Hash32] {
        precondition(index < size && size <= self.size, "leaf \(index) is not in a tree of \(size)")
        var proof: [Hash32] = []
        path(index, 0, size, into: &proof)
        return proof
    }

    private func path(_ index: Int, _ start: Int, _ count: Int, into proof: inout [Hash32]) {
        guard count > 1 else { return }
        let split = Self.largestPowerOfTwo(below: count)
        if index < split {
            path(index, start, split, into: &proof)
            proof.append(subtree(start + split, count - split))
        } else {
            path(index - split, start + split, count - split, into: &proof)
            proof.append(subtree(start, split))
        }
    }

    /// The hash of leaves `start ..< start + count`.
    private func subtree(_ start: Int, _ count: Int) -> Hash32 {
        if count.nonzeroBitCount == 1 && start % count == 0 {
            let level = count.trailingZeroBitCount
            if level < levels.count && start / count < levels[level].count { return levels[level][start / count] }
        }
        let split = Self.largestPowerOfTwo(below: count)
        return Self.nodeHash(subtree(start, split), subtree(start + split, count - split))
    }

    static func largestPowerOfTwo(below count: Int) -> Int {
        var power = 1
        while power << 1 < count { power <<= 1 }
        return power
    }

    /// RFC 9162 §2.1.3.2: whether `proof` shows leaf `index` of a tree of `size` leaves has `leafHash` under `root`.
    public static func verifyInclusion(
        leafHash: Hash32, index: Int, size: Int, proof: [Hash32], root: Hash32
    ) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var result = leafHash
        for sibling in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                result = nodeHash(sibling, result)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                result = nodeHash(result, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && result == root
    }
}
