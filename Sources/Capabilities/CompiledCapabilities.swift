/// The compiled layout of a ``CapabilitySet``.
///
/// A check borrows the request's UTF-8 bytes once, then: finds the agent in an open-addressed table; finds the
/// operation (namespace, action) in a small global table — so per-agent groups are found by integer compare and
/// rules need no action compare; scans that group's 64-byte rules, comparing patterns stored inline. Path
/// normalisation, when needed, happens in stack memory. The tables are copied into buffers this object owns, so
/// the hot path reads them through plain pointers, with no bounds or reference-count traffic per access.
///
/// `@unchecked Sendable`: every buffer is written once in `init` and only read afterwards; `deinit` frees them.
final class CompiledCapabilities: @unchecked Sendable {
    private let arena: UnsafeMutableBufferPointer<UInt8>
    private let agentTable: UnsafeMutableBufferPointer<AgentSlot>  // capacity a power of two
    private let operationTable: UnsafeMutableBufferPointer<OperationSlot>  // capacity a power of two
    private let groups: UnsafeMutableBufferPointer<RuleGroup>
    private let rules: UnsafeMutableBufferPointer<CompiledRule>
    private let bases: [DecisionBasis]
    private let revocations: [Revocation]
    let agentNames: [AgentName]
    let basesByAgent: [AgentName: [DecisionBasis]]

    struct Tables {
        var arena: [UInt8]
        var agentTable: [AgentSlot]
        var operationTable: [OperationSlot]
        var groups: [RuleGroup]
        var rules: [CompiledRule]
        var bases: [DecisionBasis]
        var revocations: [Revocation]
        var agentNames: [AgentName]
        var basesByAgent: [AgentName: [DecisionBasis]]
    }

    init(_ tables: Tables) {
        precondition(tables.agentTable.count.nonzeroBitCount == 1, "table capacities are powers of two")
        precondition(tables.operationTable.count.nonzeroBitCount == 1, "table capacities are powers of two")
        arena = Self.copy(tables.arena)
        agentTable = Self.copy(tables.agentTable)
        operationTable = Self.copy(tables.operationTable)
        groups = Self.copy(tables.groups)
        rules = Self.copy(tables.rules)
        bases = tables.bases
        revocations = tables.revocations
        agentNames = tables.agentNames
        basesByAgent = tables.basesByAgent
    }

    deinit {
        arena.deallocate()
        agentTable.deallocate()
        operationTable.deallocate()
        groups.deallocate()
        rules.deallocate()
    }

    private static func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
        _ = buffer.initialize(from: array)
        return buffer
    }

    func basis(at index: Int32) -> DecisionBasis { bases[Int(index)] }

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
        let slot = findAgent(agent)
        guard slot >= 0 else { return .denied(.unknownAgent) }
        let (operation, fallback) = findOperation(namespace, action)
        let group = findGroup(agentTable[slot], operation, fallback)
        guard group >= 0 else { return .denied(.noMatchingCapability) }
        if !normalize { return match(groups[group], resource, now) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: resource.count) { buffer in
            let length = PathNormalizer.normalize(resource, into: buffer)
            return match(groups[group], UnsafeBufferPointer(rebasing: buffer[0..<length]), now)
        }
    }

    @inline(__always)
    private func findAgent(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        let mask = agentTable.count - 1
        let hash = layoutHash(name)
        let tag = UInt32(truncatingIfNeeded: hash >> 32)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = agentTable[slot]
            if entry.nameLength < 0 { return -1 }
            if entry.hash == tag && arenaEquals(entry.nameStart, entry.nameLength, name) { return slot }
            slot = (slot + 1) & mask
        }
    }

    /// The operation id of (namespace, action) and the namespace's wildcard operation, each -1 when no rule
    /// anywhere names it.
    @inline(__always)
    private func findOperation(
        _ namespace: UnsafeBufferPointer<UInt8>, _ action: UnsafeBufferPointer<UInt8>
    ) -> (Int32, Int32) {
        if let exact = findOperationSlot(namespace, action) { return (exact.id, exact.fallback) }
        return (-1, findOperationSlot(namespace, nil)?.id ?? -1)
    }

    @inline(__always)
    private func findOperationSlot(
        _ namespace: UnsafeBufferPointer<UInt8>, _ action: UnsafeBufferPointer<UInt8>?
    ) -> OperationSlot? {
        let mask = operationTable.count - 1
        let hash = operationHash(namespace, action)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = operationTable[slot]
            if entry.namespaceLength < 0 { return nil }
            if entry.hash == hash && arenaEquals(entry.namespaceStart, entry.namespaceLength, namespace) {
                if let action {
                    if entry.actionLength >= 0 && arenaEquals(entry.actionStart, entry.actionLength, action) {
                        return entry
                    }
                } else if entry.actionLength < 0 {
                    return entry
                }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The agent's group for `operation`, else for the namespace's wildcard operation `fallback`, else -1.
    @inline(__always)
    private func findGroup(_ agent: AgentSlot, _ operation: Int32, _ fallback: Int32) -> Int {
        let start = Int(agent.groupStart)
        let end = start + Int(agent.groupCount)
        var wildcard = -1
        for index in start..<end {
            let candidate = groups[index].operation
            if candidate == operation && operation >= 0 { return index }
            if candidate == fallback && fallback >= 0 { wildcard = index }
        }
        return wildcard
    }

    @inline(__always)
    private func arenaEquals(_ start: Int32, _ length: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = Int(length)
        guard count == bytes.count else { return false }
        if count == 0 { return true }
        return bytesEqual(
            UnsafeRawPointer(arena.baseAddress! + Int(start)), UnsafeRawPointer(bytes.baseAddress!), count)
    }

    /// Whether the rule at `index` matches `resource` (already normalised).
    @inline(__always)
    private func patternMatches(_ index: Int, _ resource: UnsafeBufferPointer<UInt8>) -> Bool {
        let rule = rules.baseAddress! + index
        let kind = rule.pointee.kind
        if kind == .any { return true }
        let length = Int(rule.pointee.patternLength)
        guard kind == .below ? resource.count >= length : resource.count == length else { return false }
        if length == 0 { return true }
        let pattern =
            length <= CompiledRule.inlineCapacity
            ? UnsafeRawPointer(rule) + CompiledRule.inlineOffset
            : UnsafeRawPointer(arena.baseAddress! + Int(rule.pointee.patternStart))
        return bytesEqual(pattern, UnsafeRawPointer(resource.baseAddress!), length)
    }

    private func match(_ group: RuleGroup, _ resource: UnsafeBufferPointer<UInt8>, _ now: Int64) -> Decision {
        var stale = -1  // a matching rule that is expired or revoked, to explain the denial
        let start = Int(group.ruleStart)
        for index in start..<start + Int(group.ruleCount) where patternMatches(index, resource) {
            let rule = rules[index]
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
