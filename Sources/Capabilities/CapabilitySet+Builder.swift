/// Compiles holdings into the flat layout ``CompiledCapabilities`` scans.
struct CapabilitySetBuilder {
    /// One capability an agent holds, with what carried it.
    struct Holding {
        var basis: DecisionBasis
        var revocation: Revocation?
    }

    /// An operation's key: namespace and action, `nil` action for the namespace's wildcard operation.
    private struct OperationKey: Hashable {
        var namespace: String
        var action: String?
    }

    private var arena: [UInt8] = []
    private var interned: [String: (Int32, Int32)] = [:]
    private var agentsByName: [(AgentName, [Holding])] = []

    init() {}

    mutating func add(agent: AgentName, holdings: [Holding]) {
        agentsByName.append((agent, holdings))
    }

    /// Bytes of `text` in the arena, shared when the same text appears again.
    private mutating func intern(_ text: String) -> (Int32, Int32) {
        if let known = interned[text] { return known }
        let entry = (Int32(arena.count), Int32(text.utf8.count))
        arena.append(contentsOf: text.utf8)
        interned[text] = entry
        return entry
    }

    mutating func build() -> CapabilitySet {
        let operations = operationIDs()
        var tables = CompiledCapabilities.Tables(
            arena: [], agentTable: [], operationTable: [], groups: [], rules: [], bases: [], revocations: [],
            agentNames: [], basesByAgent: [:])
        var slots: [AgentSlot] = []
        let orderedOperations = operations.sorted { $0.value < $1.value }
        for (agent, holdings) in agentsByName {
            let name = intern(agent.rawValue)
            let groupStart = tables.groups.count
            for (key, id) in orderedOperations {
                let members = holdings.filter { holding in
                    let capability = holding.basis.capability
                    guard capability.namespace == key.namespace else { return false }
                    return capability.action == nil || (key.action != nil && capability.action == key.action)
                }
                // A group of (ns, action) is needed only when the agent names that action itself; otherwise its
                // wildcard group answers.
                let namesAction = key.action == nil || members.contains { $0.basis.capability.action != nil }
                guard namesAction, !members.isEmpty else { continue }
                let ruleStart = tables.rules.count
                for holding in members { tables.rules.append(compile(holding, into: &tables)) }
                tables.groups.append(
                    RuleGroup(
                        operation: id, ruleStart: Int32(ruleStart), ruleCount: Int32(tables.rules.count - ruleStart)))
            }
            slots.append(
                AgentSlot(
                    hash: 0, nameStart: name.0, nameLength: name.1, groupStart: Int32(groupStart),
                    groupCount: Int32(tables.groups.count - groupStart)))
            tables.agentNames.append(agent)
            tables.basesByAgent[agent] = holdings.map(\.basis)
        }
        tables.agentTable = agentTable(slots)
        tables.operationTable = operationTable(operations)
        tables.arena = arena
        return CapabilitySet(storage: CompiledCapabilities(tables))
    }

    /// Every (namespace, action) some rule names, and (namespace, `*`) for namespaces with wildcard rules.
    private func operationIDs() -> [OperationKey: Int32] {
        var ids: [OperationKey: Int32] = [:]
        for (_, holdings) in agentsByName {
            for holding in holdings {
                let key = OperationKey(
                    namespace: holding.basis.capability.namespace, action: holding.basis.capability.action)
                if ids[key] == nil { ids[key] = Int32(ids.count) }
            }
        }
        return ids
    }

    private mutating func compile(_ holding: Holding, into tables: inout CompiledCapabilities.Tables) -> CompiledRule {
        var kind = CompiledRule.Kind.any
        var pattern = ""
        switch holding.basis.capability.resource {
        case .unrestricted, .any: break
        case .below(let prefix):
            kind = .below
            pattern = prefix
        case .exact(let value):
            kind = .exact
            pattern = value
        }
        tables.bases.append(holding.basis)
        var revocationIndex: Int32 = -1
        if let revocation = holding.revocation {
            revocationIndex = Int32(tables.revocations.count)
            tables.revocations.append(revocation)
        }
        let length = pattern.utf8.count
        var rule = CompiledRule(
            expiresAt: holding.basis.source.expiresAt?.millisecondsSinceEpoch ?? .max,
            basis: Int32(tables.bases.count - 1), revocation: revocationIndex,
            patternStart: length > CompiledRule.inlineCapacity ? intern(pattern).0 : 0, patternLength: Int32(length),
            kind: kind)
        if length <= CompiledRule.inlineCapacity {
            withUnsafeMutableBytes(of: &rule.inline) { $0.copyBytes(from: pattern.utf8) }
        }
        return rule
    }

    private func agentTable(_ slots: [AgentSlot]) -> [AgentSlot] {
        var table = [AgentSlot](repeating: .empty, count: Self.capacity(for: slots.count))
        let mask = table.count - 1
        for var agent in slots {
            let hash = hashOf(agent.nameStart, agent.nameLength)
            agent.hash = UInt32(truncatingIfNeeded: hash >> 32)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while table[slot].nameLength >= 0 { slot = (slot + 1) & mask }
            table[slot] = agent
        }
        return table
    }

    private mutating func operationTable(_ operations: [OperationKey: Int32]) -> [OperationSlot] {
        var table = [OperationSlot](repeating: .empty, count: Self.capacity(for: operations.count))
        let mask = table.count - 1
        for (key, id) in operations {
            let namespace = intern(key.namespace)
            let action = key.action.map { intern($0) } ?? (0, -1)
            var copy = key.namespace
            let hash = copy.withUTF8 { ns in
                guard let name = key.action else { return operationHash(ns, nil) }
                var actionCopy = name
                return actionCopy.withUTF8 { operationHash(ns, $0) }
            }
            var slot = Int(truncatingIfNeeded: hash) & mask
            while table[slot].namespaceLength >= 0 { slot = (slot + 1) & mask }
            table[slot] = OperationSlot(
                hash: hash, namespaceStart: namespace.0, namespaceLength: namespace.1, actionStart: action.0,
                actionLength: action.1, id: id,
                fallback: operations[OperationKey(namespace: key.namespace, action: nil)] ?? -1)
        }
        return table
    }

    private func hashOf(_ start: Int32, _ length: Int32) -> UInt64 {
        arena.withUnsafeBufferPointer {
            layoutHash(UnsafeBufferPointer(rebasing: $0[Int(start)..<Int(start + length)]))
        }
    }

    /// A power of two at least twice `count`, so probes stay short.
    private static func capacity(for count: Int) -> Int {
        var capacity = 8
        while capacity < count * 2 { capacity <<= 1 }
        return capacity
    }
}
