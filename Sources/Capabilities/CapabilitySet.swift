#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A compiled, immutable snapshot of who holds which capabilities, answering checks with a ``Decision``.
///
/// Built by ``Authority/capabilitySet()``. Everything a check touches lives in a few flat buffers over one byte
/// arena: an open-addressed table finds the agent, the agent's rules are grouped by namespace, and matching is
/// byte comparison; path normalisation, when needed, happens in a stack buffer. Expiry is decided against the
/// `now` passed in, so a snapshot stays correct as time passes; revocations produce a new snapshot.
public struct CapabilitySet: Sendable {
    let storage: CompiledCapabilities

    /// Decides an already validated `request` for `agent` at `now`.
    public func check(_ request: AccessRequest, for agent: AgentName, at now: Timestamp) -> Decision {
        let outcome = storage.check(
            agent: agent.rawValue, namespace: request.namespace, action: request.action, resource: request.resource,
            validated: request.needsNormalization, now: now.millisecondsSinceEpoch)
        guard case .decided(let decision) = outcome else { preconditionFailure("an AccessRequest is valid") }
        return decision
    }

    /// Validates and decides in one pass, without building an ``AccessRequest``: the hot path for callers that
    /// hold the request's fields. Malformed input (a NUL byte, an empty namespace or action) is an error, not a
    /// decision.
    public func check(
        agent: AgentName, namespace: String, action: String, resource: String, at now: Timestamp
    ) throws(AccessRequestError) -> Decision {
        let outcome = storage.check(
            agent: agent.rawValue, namespace: namespace, action: action, resource: resource, validated: nil,
            now: now.millisecondsSinceEpoch)
        switch outcome {
        case .decided(let decision): return decision
        case .invalid(let error): throw error
        }
    }

    /// Every agent this snapshot knows, sorted.
    public var agents: [AgentName] { storage.agentNames.sorted() }

    /// What `agent` holds — live or not — with what carried it, in evaluation order.
    public func holdings(of agent: AgentName) -> [DecisionBasis] { storage.basesByAgent[agent] ?? [] }
}

/// One compiled rule: 40 bytes, no references, so scanning an agent's rules touches no reference counts.
struct CompiledRule {
    static let wildcard: Int32 = -1
    enum Kind: UInt8 { case any, below, exact }

    var actionStart: Int32
    var actionLength: Int32  // `wildcard` for `*`
    var patternStart: Int32
    var patternLength: Int32
    var expiresAt: Int64  // `Int64.max` when permanent
    var basis: Int32  // index into `bases`
    var revocation: Int32  // index into `revocations`, or -1
    var kind: Kind
}

struct NamespaceGroup {
    var namespaceStart: Int32
    var namespaceLength: Int32
    var ruleStart: Int32
    var ruleCount: Int32
}

/// One agent, stored directly in the open-addressed table: a lookup touches the slot and the name's bytes only.
struct AgentSlot {
    static let empty = AgentSlot(hash: 0, nameStart: 0, nameLength: -1, groupStart: 0, groupCount: 0)

    var hash: UInt32  // high bits of the name's hash, compared before the name
    var nameStart: Int32
    var nameLength: Int32  // -1 marks an empty slot
    var groupStart: Int32
    var groupCount: Int32
}

/// The compiled layout. The flat tables are copied into buffers this object owns, so the hot path reads them
/// through plain pointers — no array bounds or reference-count traffic per access.
///
/// `@unchecked Sendable`: every buffer is written once in `init` and only read afterwards; `deinit` frees them.
final class CompiledCapabilities: @unchecked Sendable {
    private let arena: UnsafeMutableBufferPointer<UInt8>
    private let table: UnsafeMutableBufferPointer<AgentSlot>  // open addressing; capacity a power of two
    private let groups: UnsafeMutableBufferPointer<NamespaceGroup>
    private let rules: UnsafeMutableBufferPointer<CompiledRule>
    private let bases: [DecisionBasis]
    private let revocations: [Revocation]
    let agentNames: [AgentName]
    let basesByAgent: [AgentName: [DecisionBasis]]

    init(
        arena: [UInt8], table: [AgentSlot], groups: [NamespaceGroup], rules: [CompiledRule],
        bases: [DecisionBasis], revocations: [Revocation], agentNames: [AgentName],
        basesByAgent: [AgentName: [DecisionBasis]]
    ) {
        precondition(table.count.nonzeroBitCount == 1, "the agent table's capacity is a power of two")
        self.arena = Self.copy(arena)
        self.table = Self.copy(table)
        self.groups = Self.copy(groups)
        self.rules = Self.copy(rules)
        self.bases = bases
        self.revocations = revocations
        self.agentNames = agentNames
        self.basesByAgent = basesByAgent
    }

    deinit {
        arena.deallocate()
        table.deallocate()
        groups.deallocate()
        rules.deallocate()
    }

    func basis(at index: Int32) -> DecisionBasis { bases[Int(index)] }

    private static func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
        _ = buffer.initialize(from: array)
        return buffer
    }

    /// A fast non-cryptographic hash over 8-byte words. Agent names are chosen by policy and the orchestrator, not
    /// by attackers, and a collision only costs a longer probe, never a wrong answer.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
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

    enum Outcome {
        case decided(Decision)
        case invalid(AccessRequestError)
    }

    /// Decides with each field's bytes borrowed once. `validated` is the normalisation flag of an already
    /// validated ``AccessRequest``, or `nil` to validate here.
    @inline(__always)
    func check(
        agent: String, namespace: String, action: String, resource: String, validated: Bool?, now: Int64
    ) -> Outcome {
        withBytes(agent) { agent in
            withBytes(namespace) { namespace in
                withBytes(action) { action in
                    withBytes(resource) { resource in
                        let normalize: Bool
                        if let validated {
                            normalize = validated
                        } else {
                            switch AccessRequest.validate(namespace, action, resource) {
                            case .success(let flag): normalize = flag
                            case .failure(let error): return .invalid(error)
                            }
                        }
                        return .decided(decide(agent, namespace, action, resource, normalize: normalize, now: now))
                    }
                }
            }
        }
    }

    @inline(__always)
    private func decide(
        _ agent: UnsafeBufferPointer<UInt8>, _ namespace: UnsafeBufferPointer<UInt8>,
        _ action: UnsafeBufferPointer<UInt8>, _ resource: UnsafeBufferPointer<UInt8>, normalize: Bool, now: Int64
    ) -> Decision {
        let slotIndex = findAgent(agent)
        guard slotIndex >= 0 else { return .denied(.unknownAgent) }
        let groupIndex = findGroup(table[slotIndex], namespace)
        guard groupIndex >= 0 else { return .denied(.noMatchingCapability) }
        if !normalize { return match(groups[groupIndex], action, resource, now) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: resource.count) { buffer in
            let length = PathNormalizer.normalize(resource, into: buffer)
            return match(groups[groupIndex], action, UnsafeBufferPointer(rebasing: buffer[0..<length]), now)
        }
    }

    @inline(__always)
    private func findAgent(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        let mask = table.count - 1
        let hash = Self.hash(name)
        let tag = UInt32(truncatingIfNeeded: hash >> 32)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = table[slot]
            if entry.nameLength < 0 { return -1 }
            if entry.hash == tag && equal(entry.nameStart, entry.nameLength, name) { return slot }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private func findGroup(_ agent: AgentSlot, _ namespace: UnsafeBufferPointer<UInt8>) -> Int {
        let start = Int(agent.groupStart)
        for index in start..<start + Int(agent.groupCount) {
            let group = groups[index]
            if equal(group.namespaceStart, group.namespaceLength, namespace) { return index }
        }
        return -1
    }

    @inline(__always)
    private func equal(_ start: Int32, _ length: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        Int(length) == bytes.count && hasPrefix(start, length, bytes)
    }

    @inline(__always)
    private func hasPrefix(_ start: Int32, _ length: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = Int(length)
        guard count <= bytes.count else { return false }
        if count == 0 { return true }
        return bytesEqual(
            UnsafeRawPointer(arena.baseAddress! + Int(start)), UnsafeRawPointer(bytes.baseAddress!), count)
    }

    private func match(
        _ group: NamespaceGroup, _ action: UnsafeBufferPointer<UInt8>, _ resource: UnsafeBufferPointer<UInt8>,
        _ now: Int64
    ) -> Decision {
        var stale = -1  // a matching rule that is expired or revoked, to explain the denial
        let start = Int(group.ruleStart)
        for index in start..<start + Int(group.ruleCount) {
            let rule = rules[index]
            if rule.actionLength != CompiledRule.wildcard && !equal(rule.actionStart, rule.actionLength, action) {
                continue
            }
            switch rule.kind {
            case .any: break
            case .below: if !hasPrefix(rule.patternStart, rule.patternLength, resource) { continue }
            case .exact: if !equal(rule.patternStart, rule.patternLength, resource) { continue }
            }
            if rule.revocation < 0 && now < rule.expiresAt {
                return .allowed(Allowance(storage: self, index: rule.basis))
            }
            if stale < 0 { stale = index }
        }
        guard stale >= 0 else { return .denied(.noMatchingCapability) }
        let rule = rules[stale]
        let basis = bases[Int(rule.basis)]
        if rule.revocation >= 0 { return .denied(.revoked(basis, revocations[Int(rule.revocation)])) }
        return .denied(.expired(basis))
    }
}

/// Runs `body` over the UTF-8 bytes of `text` without copying a native string.
@inline(__always)
func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = text
    return copy.withUTF8(body)
}

/// Compares `count` bytes; word-wise inline for the short strings capabilities are made of, `memcmp` beyond.
@inline(__always)
func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    if count > 32 { return memcmp(a, b, count) == 0 }
    var offset = 0
    while offset + 8 <= count {
        if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        {
            return false
        }
        offset += 8
    }
    while offset < count {
        if a.load(fromByteOffset: offset, as: UInt8.self) != b.load(fromByteOffset: offset, as: UInt8.self) {
            return false
        }
        offset += 1
    }
    return true
}
