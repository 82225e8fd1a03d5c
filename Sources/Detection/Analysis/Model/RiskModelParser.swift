import Audit

/// Reads an exported model strictly: every member known and of its type, nothing extra, every reference checked.
/// An error names the member (`trees[3].nodes[7].left`) and what is wrong with it.
enum RiskModelParser {
    static let members = ["identifier", "format", "features", "feature_precision", "link", "base_score", "trees"]

    static func parse(_ bytes: [UInt8]) throws(DetectionError) -> RiskModel {
        guard bytes.count <= RiskModel.maximumBytes else {
            throw failure("the file", "\(bytes.count) bytes, more than \(RiskModel.maximumBytes)")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: bytes) } catch { throw failure("JSON", error.description) }
        let top = try object(root, at: "the model", allowed: members)
        let identifier = try string(top, "identifier", at: "")
        guard isIdentifier(identifier) else {
            throw failure("identifier", "must be 1 to 128 of A-Z a-z 0-9 . _ -")
        }
        try expect(top, "format", RiskModel.format)
        try expect(top, "feature_precision", "float32")
        try expect(top, "link", "logistic")
        try checkFeatures(top["features"])
        let base = try bounded(top["base_score"], at: "base_score")
        guard case .array(let trees) = top["trees"] else { throw failure("trees", "must be an array") }
        guard !trees.isEmpty, trees.count <= RiskModel.maximumTrees else {
            throw failure("trees", "\(trees.count) trees; 1 to \(RiskModel.maximumTrees) are accepted")
        }
        var nodes: [RiskModel.Node] = []
        var roots: [Int32] = []
        for (index, tree) in trees.enumerated() {
            roots.append(Int32(nodes.count))
            nodes += try TreeParser.parse(tree, at: "trees[\(index)]", offset: nodes.count)
        }
        return RiskModel(identifier: identifier, baseScore: base, nodes: nodes, roots: roots)
    }

    static func failure(_ location: String, _ problem: String) -> DetectionError {
        .badInput("risk model: \(location): \(problem)")
    }

    static func object(_ value: JSONValue?, at location: String, allowed: [String]) throws(DetectionError)
        -> JSONValue
    {
        guard case .object(let members)? = value else { throw failure(location, "must be an object") }
        for member in members where !allowed.contains(member.key) {
            throw failure(location, "unknown member \"\(member.key)\"")
        }
        for key in allowed where !members.contains(where: { $0.key == key }) {
            throw failure(location, "missing member \"\(key)\"")
        }
        return value!
    }

    private static func string(_ object: JSONValue, _ key: String, at prefix: String) throws(DetectionError) -> String {
        guard case .string(let value)? = object[key] else { throw failure(prefix + key, "must be a string") }
        return value
    }

    private static func expect(_ object: JSONValue, _ key: String, _ wanted: String) throws(DetectionError) {
        let value = try string(object, key, at: "")
        guard value == wanted else { throw failure(key, "is \"\(value)\"; this reader knows \"\(wanted)\"") }
    }

    private static func checkFeatures(_ value: JSONValue?) throws(DetectionError) {
        guard case .array(let names)? = value else { throw failure("features", "must be an array of names") }
        guard names.count == WindowFeatures.names.count else {
            throw failure(
                "features",
                "\(names.count) names; this build computes \(WindowFeatures.names.count) (retrain or upgrade)")
        }
        for (index, (name, expected)) in zip(names, WindowFeatures.names).enumerated() {
            guard case .string(let text) = name, text.utf8.elementsEqual(expected.utf8) else {
                throw failure(
                    "features[\(index)]", "is \(name.canonicalText); this build computes \"\(expected)\" there")
            }
        }
    }

    /// A finite number of magnitude at most ``RiskModel/maximumMagnitude`` (an integer is a number too).
    static func bounded(_ value: JSONValue?, at location: String) throws(DetectionError) -> Double {
        let number: Double
        switch value {
        case .integer(let integer)?: number = Double(integer)
        case .number(let double)?: number = double
        default: throw failure(location, "must be a number")
        }
        guard number.isFinite, abs(number) <= RiskModel.maximumMagnitude else {
            throw failure(location, "\(number) is out of range (at most \(RiskModel.maximumMagnitude) in magnitude)")
        }
        return number
    }

    private static func isIdentifier(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }
}
