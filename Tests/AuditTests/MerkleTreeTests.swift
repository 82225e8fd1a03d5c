import Foundation
import Testing

@testable import Audit

@Suite("RFC 9162 Merkle tree")
struct MerkleTreeTests {
    /// MTH straight from RFC 9162 §2.1.1, for comparison.
    static func referenceRoot(_ leaves: ArraySlice<Hash32>) -> Hash32 {
        if leaves.isEmpty { return Hash32.sha256([UInt8]()) }
        if leaves.count == 1 { return leaves.first! }
        let k = MerkleTree.largestPowerOfTwo(below: leaves.count)
        let start = leaves.startIndex
        return MerkleTree.nodeHash(referenceRoot(leaves[start..<start + k]), referenceRoot(leaves[(start + k)...]))
    }

    static func leaves(_ count: Int) -> [Hash32] { (0..<count).map { MerkleTree.leafHash(Array("entry \($0)".utf8)) } }

    @Test("roots of every size match the RFC's definition")
    func roots() {
        let leaves = Self.leaves(70)
        var tree = MerkleTree()
        for leaf in leaves { tree.append(leafHash: leaf) }
        for size in 0...70 { #expect(tree.root(size: size) == Self.referenceRoot(leaves[0..<size])) }
    }

    @Test("every inclusion proof verifies, and a changed leaf, index, size or path does not")
    func proofs() {
        var tree = MerkleTree()
        let leaves = Self.leaves(33)
        for leaf in leaves { tree.append(leafHash: leaf) }
        for size in 1...33 {
            let root = tree.root(size: size)
            for index in 0..<size {
                let proof = tree.inclusionProof(index: index, size: size)
                #expect(
                    MerkleTree.verifyInclusion(
                        leafHash: leaves[index], index: index, size: size, proof: proof, root: root))
                #expect(
                    !MerkleTree.verifyInclusion(
                        leafHash: leaves[(index + 1) % 33], index: index, size: size, proof: proof, root: root))
                if size > 1 {
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leafHash: leaves[index], index: (index + 1) % size, size: size, proof: proof, root: root))
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leafHash: leaves[index], index: index, size: size, proof: Array(proof.dropLast()),
                            root: root))
                }
            }
        }
    }
}

@Suite("Signed checkpoints (C2SP signed note, Ed25519)")
struct CheckpointTests {
    @Test("a signed checkpoint verifies with its key, and keys round-trip through their text forms")
    func signAndVerify() throws {
        for _ in 0..<20 {  // several keys, so base64 text with '+' in it is exercised
            let signer = CheckpointSigner(name: "aios.local/audit", key: .init())
            let checkpoint = Checkpoint(origin: "aios.local/audit/2026-11-29", size: 7, root: .sha256([1, 2, 3]))
            let signed = try signer.sign(checkpoint)
            #expect(signer.verifier.verify(note: signed.note) == checkpoint)
            let reloaded = try #require(CheckpointSigner(privateKeyText: signer.privateKeyText))
            #expect(reloaded.verifier == signer.verifier)
            #expect(CheckpointVerifier(text: signer.verifier.text) == signer.verifier)
            #expect(signed.note.hasPrefix("aios.local/audit/2026-11-29\n7\n"))
            #expect(signed.note.contains("\n\n\u{2014} aios.local/audit "))
        }
    }

    @Test("a changed body, another key or a foreign note does not verify")
    func rejects() throws {
        let signer = CheckpointSigner(name: "aios.local/audit", key: .init())
        let other = CheckpointSigner(name: "aios.local/audit", key: .init())
        let signed = try signer.sign(Checkpoint(origin: "o", size: 3, root: .zero))
        #expect(signer.verifier.verify(note: signed.note.replacingOccurrences(of: "\n3\n", with: "\n4\n")) == nil)
        #expect(other.verifier.verify(note: signed.note) == nil)
        #expect(signer.verifier.verify(note: "o\n3\n\n") == nil)
    }
}
