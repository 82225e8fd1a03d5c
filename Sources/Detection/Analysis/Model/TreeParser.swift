import Audit

/// One tree of an exported model: `{"nodes": [...]}`, node 0 the root; a split `{feature, threshold, left, right}`,
/// a leaf `{value}`. The checks make it a tree whatever the file says: each child comes after its parent (so no
/// walk can loop), every node but the root is some node's child exactly once (no sharing, nothing unreachable),
/// and no path is longer than ``RiskModel/maximumDepth``.
enum TreeParser {
    static func parse(_ value: JSONValue, at location: String, offset: Int) throws(DetectionError) -> [RiskModel.Node] {
        let tree = try RiskModelParser.object(value, at: location, allowed: ["nodes"])
        guard case .array(let items)? = tree["nodes"] else {
            throw RiskModelParser.failure("\(location).nodes", "must be an array")
        }
        guard !items.isEmpty, items.count <= RiskModel.maximumNodesPerTree else {
            throw RiskModelParser.failure(
                "\(location).nodes", "\(items.count) nodes; 1 to \(RiskModel.maximumNodesPerTree) are accepted")
        }
        var nodes: [RiskModel.Node] = []
        nodes.reserveCapacity(items.count)
        var depth = [Int](repeating: -1, count: items.count)
        depth[0] = 0
        for (index, item) in items.enumerated() {
            let here = "\(location).nodes[\(index)]"
            guard depth[index] >= 0 else { throw RiskModelParser.failure(here, "is no node's child (unreachable)") }
            if item["value"] != nil {
                let leaf = try RiskModelParser.object(item, at: here, allowed: ["value"])
                let value = try RiskModelParser.bounded(leaf["value"], at: "\(here).value")
                nodes.append(RiskModel.Node(feature: -1, left: -1, right: -1, value: value))
                continue
            }
            let split = try RiskModelParser.object(item, at: here, allowed: ["feature", "threshold", "left", "right"])
            let feature = try integer(split["feature"], at: "\(here).feature", below: WindowFeatures.names.count)
            let threshold = try threshold(split["threshold"], at: "\(here).threshold")
            var children: [Int] = []
            for side in ["left", "right"] {
                let child = try integer(split[side], at: "\(here).\(side)", below: items.count)
                guard child > index else {
                    throw RiskModelParser.failure("\(here).\(side)", "\(child) does not come after its parent \(index)")
                }
                guard depth[child] < 0 else {
                    throw RiskModelParser.failure("\(here).\(side)", "node \(child) already has a parent")
                }
                guard depth[index] < RiskModel.maximumDepth else {
                    throw RiskModelParser.failure(here, "deeper than \(RiskModel.maximumDepth) levels")
                }
                depth[child] = depth[index] + 1
                children.append(child)
            }
            nodes.append(
                RiskModel.Node(
                    feature: Int32(feature), left: Int32(offset + children[0]), right: Int32(offset + children[1]),
                    value: threshold))
        }
        return nodes
    }

    private static func integer(_ value: JSONValue?, at location: String, below limit: Int) throws(DetectionError)
        -> Int
    {
        guard case .integer(let number)? = value else { throw RiskModelParser.failure(location, "must be an integer") }
        guard number >= 0, number < limit else {
            throw RiskModelParser.failure(location, "\(number) is out of range (0 to \(limit - 1))")
        }
        return Int(number)
    }

    /// Any finite number: a threshold beyond every feature value only sends every window one way.
    private static func threshold(_ value: JSONValue?, at location: String) throws(DetectionError) -> Double {
        switch value {
        case .integer(let integer)?: return Double(integer)
        case .number(let double)? where double.isFinite: return double
        default: throw RiskModelParser.failure(location, "must be a finite number")
        }
    }
}
