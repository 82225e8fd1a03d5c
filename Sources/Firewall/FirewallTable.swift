import Foundation

/// The `inet aios` table in one network namespace: apply a ruleset atomically, read it back, compare.
///
/// An apply is one transaction: `add table` + `delete table` (so it works whether the table exists or not),
/// the whole table, then the blocklist and the DNS-learnt allow elements that were live, each with what was left
/// of its timeout. Other tables are never named, so never touched. Applying the same ruleset twice leaves the same
/// table.
public struct FirewallTable: Sendable {
    public let nftables: Nftables

    public init(nftables: Nftables) {
        self.nftables = nftables
    }

    /// Applies `ruleset`, carrying over live blocks and those allow elements whose protocol and port the ruleset
    /// still grants. Returns how many elements were carried over.
    @discardableResult
    public func apply(_ ruleset: FirewallRuleset) throws(FirewallError) -> Int {
        let granted = Set(
            ruleset.nameGrants.flatMap { grant in grant.ports.map { "\(grant.transport.rawValue) . \($0)" } })
        var carried: [LiveElement] = []
        // A table from an older version may lack a set this one adds; there is nothing to carry from it.
        let existing = try live() ?? ""
        for set in RulesetRenderer.liveSets where existing.contains("\tset \(set) {") {
            for element in try elements(of: set) where (element.expiresIn ?? 1) > 0 {
                if set.hasPrefix("allow"), !granted.contains(where: { element.key.hasSuffix(" . " + $0) }) { continue }
                carried.append(element)
            }
        }
        var script = "add table \(RulesetRenderer.table)\ndelete table \(RulesetRenderer.table)\n"
        script += RulesetRenderer.render(ruleset)
        for set in RulesetRenderer.liveSets {
            let elements = carried.filter { $0.set == set }
            guard !elements.isEmpty else { continue }
            script += "add element \(RulesetRenderer.table) \(set) { "
            script += elements.map(\.addText).joined(separator: ", ") + " }\n"
        }
        try nftables.run(script)
        return carried.count
    }

    /// The live table as `nft -t -s list table inet aios` prints it, or nil when there is none.
    public func live() throws(FirewallError) -> String? {
        guard try exists() else { return nil }
        return try nftables.run("list table \(RulesetRenderer.table)", output: [.terse, .stateless])
    }

    /// The live elements of one of the table's named sets (none when the table is absent).
    public func elements(of set: String) throws(FirewallError) -> [LiveElement] {
        guard try exists() else { return [] }
        let json = try nftables.run("list set \(RulesetRenderer.table) \(set)", output: [.json])
        return try LiveElement.parse(json: json, set: set)
    }

    /// What applying `ruleset` would change in the rules and set definitions (set contents are carried over).
    public func diff(_ ruleset: FirewallRuleset) throws(FirewallError) -> TextDiff {
        TextDiff(from: try live() ?? "", to: RulesetRenderer.render(ruleset))
    }

    /// Removes the table (and with it every rule and set of this product), leaving other tables alone.
    public func remove() throws(FirewallError) {
        try nftables.run("add table \(RulesetRenderer.table)\ndelete table \(RulesetRenderer.table)\n")
    }

    private func exists() throws(FirewallError) -> Bool {
        let json = try nftables.run("list tables inet", output: [.json])
        return json.contains("\"name\": \"aios\"")
    }
}
