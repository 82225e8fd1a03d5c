#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One rule of one agent: 64 bytes, one cache line, no references. Patterns of up to 32 bytes are stored inline so
/// matching touches nothing but the rule; longer ones live in the arena.
struct CompiledRule {
    enum Kind: UInt8 { case any, below, exact }
    static let inlineCapacity = 32
    static let inlineOffset = MemoryLayout<CompiledRule>.offset(of: \CompiledRule.inline)!

    var expiresAt: Int64  // `Int64.max` when permanent
    var basis: Int32  // index into `bases`
    var revocation: Int32  // index into `revocations`, or -1
    var patternStart: Int32  // arena offset, used when the pattern is longer than `inlineCapacity`
    var patternLength: Int32
    var kind: Kind
    var inline: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
}

/// A (namespace, action) pair that some rule names, or (namespace, `*`) for a namespace with wildcard rules.
struct OperationSlot {
    static let empty = OperationSlot(
        hash: 0, namespaceStart: 0, namespaceLength: -1, actionStart: 0, actionLength: 0, id: -1, fallback: -1)

    var hash: UInt64
    var namespaceStart: Int32
    var namespaceLength: Int32  // -1 marks an empty slot
    var actionStart: Int32
    var actionLength: Int32  // -1 for the wildcard operation of a namespace
    var id: Int32
    var fallback: Int32  // the namespace's wildcard operation, or -1
}

/// The rules of one agent for one operation, in evaluation order. For (ns, action) the group also holds the
/// agent's `ns:*` rules; the group of the wildcard operation holds only those.
struct RuleGroup {
    var operation: Int32
    var ruleStart: Int32
    var ruleCount: Int32
}

/// One agent, stored directly in the open-addressed agent table.
struct AgentSlot {
    static let empty = AgentSlot(hash: 0, nameStart: 0, nameLength: -1, groupStart: 0, groupCount: 0)

    var hash: UInt32  // high bits of the name's hash, compared before the name
    var nameStart: Int32
    var nameLength: Int32  // -1 marks an empty slot
    var groupStart: Int32
    var groupCount: Int32
}

/// A fast non-cryptographic hash over 8-byte words. Names are chosen by policy and the orchestrator, not by
/// attackers, and a collision only costs a longer probe, never a wrong answer.
@inline(__always)
func layoutHash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> UInt64 {
    var hash = seed ^ UInt64(bytes.count)
    guard let base = bytes.baseAddress.map(UnsafeRawPointer.init) else { return hash }
    var offset = 0
    while offset + 8 <= bytes.count {
        hash = (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 32
        offset += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while offset < bytes.count {
        tail |= UInt64(bytes[offset]) << shift
        shift += 8
        offset += 1
    }
    hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
    return hash ^ (hash >> 29)
}

/// The hash of a (namespace, action) pair; `action` nil for the namespace's wildcard operation.
@inline(__always)
func operationHash(_ namespace: UnsafeBufferPointer<UInt8>, _ action: UnsafeBufferPointer<UInt8>?) -> UInt64 {
    let first = layoutHash(namespace)
    guard let action else { return first }
    return layoutHash(action, seed: first &+ 0x2545_F491_4F6C_DD1D)
}

/// Compares `count` bytes; word-wise inline for the short strings capabilities are made of, `memcmp` beyond.
@inline(__always)
func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    if count > 32 { return memcmp(a, b, count) == 0 }
    if count >= 8 {
        var offset = 0
        while offset + 8 < count {
            if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            {
                return false
            }
            offset += 8
        }
        // The last word overlaps the previous one instead of reading past the end.
        return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }
    for offset in 0..<count
    where a.load(fromByteOffset: offset, as: UInt8.self) != b.load(fromByteOffset: offset, as: UInt8.self) {
        return false
    }
    return true
}
