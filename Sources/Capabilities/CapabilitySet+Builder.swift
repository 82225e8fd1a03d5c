/// Compiles holdings into the flat layout ``CompiledCapabilities`` scans.
struct CapabilitySetBuilder {
    /// One capability an agent holds, with what carried it.
    struct Holding {
        var basis: DecisionBasis
        var revocation: Revocation?
    }

    private var arena: [UInt8] = []
    private var interned: [String: (Int32, Int32)] = [:]
    private var agents: [AgentSlot] = []
    private var groups: [NamespaceGroup] = []
    private var rules: [CompiledRule] = []
    private var bases: [DecisionBasis] = []
    private var revocations: [Revocation] = []
    private var names: [AgentName] = []
    private var basesByAgent: [AgentName: [DecisionBasis]] = [:]

    init() {}

    /// Bytes of `text` in the arena, shared when the same text appears again.
    private mutating func intern(_ text: String) -> (Int32, Int32) {
        if let known = interned[text] { return known }
        let entry = (Int32(arena.count), Int32(text.utf8.count))
        arena.append(contentsOf: text.utf8)
        interned[text] = entry
        return entry
    }

    mutating func add(agent: AgentName, holdings: [Holding]) {
        let name = intern(agent.rawValue)
        let groupStart = groups.count
        var order: [String] = []
        var byNamespace: [String: [Holding]] = [:]
        for holding in holdings {
            let namespace = holding.basis.capability.namespace
            if byNamespace[namespace] == nil { order.append(namespace) }
            byNamespace[namespace, default: []].append(holding)
        }
        for namespace in order {
            let ns = intern(namespace)
            let ruleStart = rules.count
            for holding in byNamespace[namespace]! { rules.append(compile(holding)) }
            groups.append(
                NamespaceGroup(
                    namespaceStart: ns.0, namespaceLength: ns.1, ruleStart: Int32(ruleStart),
                    ruleCount: Int32(rules.count - ruleStart)))
        }
        agents.append(
            AgentSlot(
                hash: 0, nameStart: name.0, nameLength: name.1, groupStart: Int32(groupStart),
                groupCount: Int32(groups.count - groupStart)))
        names.append(agent)
        basesByAgent[agent] = holdings.map(\.basis)
    }

    private mutating func compile(_ holding: Holding) -> CompiledRule {
        let capability = holding.basis.capability
        let action = capability.action.map { intern($0) } ?? (0, CompiledRule.wildcard)
        var kind = CompiledRule.Kind.any
        var pattern: (Int32, Int32) = (0, 0)
        switch capability.resource {
        case .unrestricted, .any: break
        case .below(let prefix):
            kind = .below
            pattern = intern(prefix)
        case .exact(let value):
            kind = .exact
            pattern = intern(value)
        }
        bases.append(holding.basis)
        var revocationIndex: Int32 = -1
        if let revocation = holding.revocation {
            revocationIndex = Int32(revocations.count)
            revocations.append(revocation)
        }
        return CompiledRule(
            actionStart: action.0, actionLength: action.1, patternStart: pattern.0, patternLength: pattern.1,
            expiresAt: holding.basis.source.expiresAt?.millisecondsSinceEpoch ?? .max, basis: Int32(bases.count - 1),
            revocation: revocationIndex, kind: kind)
    }

    func build() -> CapabilitySet {
        var capacity = 8
        while capacity < agents.count * 2 { capacity <<= 1 }
        var table = [AgentSlot](repeating: .empty, count: capacity)
        let mask = capacity - 1
        for var agent in agents {
            let start = Int(agent.nameStart)
            let hash = arena.withUnsafeBufferPointer {
                CompiledCapabilities.hash(UnsafeBufferPointer(rebasing: $0[start..<start + Int(agent.nameLength)]))
            }
            agent.hash = UInt32(truncatingIfNeeded: hash >> 32)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while table[slot].nameLength >= 0 { slot = (slot + 1) & mask }
            table[slot] = agent
        }
        return CapabilitySet(
            storage: CompiledCapabilities(
                arena: arena, table: table, groups: groups, rules: rules, bases: bases, revocations: revocations,
                agentNames: names, basesByAgent: basesByAgent))
    }
}
