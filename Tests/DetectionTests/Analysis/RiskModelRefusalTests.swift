import Audit
import Detection
import Foundation
import Testing

@Suite struct RiskModelRefusalTests {
    static let names = "[" + WindowFeatures.names.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    static let stump = #"[{"nodes":[{"feature":0,"threshold":1.5,"left":1,"right":2},{"value":-1},{"value":1}]}]"#

    static func model(
        trees: String = stump, features: String = names, link: String = "logistic", extra: String = "",
        base: String = "0.5"
    ) -> String {
        ((#"{"identifier":"risk-test","format":"aios-risk-model/1","features":\#(features),"#
            + #""feature_precision":"float32","link":"\#(link)","base_score":\#(base),"trees":\#(trees)\#(extra)}"#))
    }

    static func vector(_ first: Double) -> WindowFeatures {
        var values = [Double](repeating: 0, count: WindowFeatures.names.count)
        values[0] = first
        return WindowFeatures(values: values)
    }

    @Test func aSmallModelScoresItsLeavesThroughTheLogisticLink() throws {
        let model = try RiskModel(json: Array(Self.model().utf8))
        #expect(model.identifier == "risk-test")
        #expect(model.score(Self.vector(1)) == 1 / (1 + exp(0.5)))
        #expect(model.score(Self.vector(2)) == 1 / (1 + exp(-1.5)))
        // Compared as float32, as scikit-learn compares: 1.50000001 rounds to 1.5 and goes left.
        #expect(model.score(Self.vector(1.500_000_01)) == model.score(Self.vector(1)))
    }

    /// 34 levels: each split's left child is the next split, its right a leaf.
    static let chain: String = {
        var nodes: [String] = []
        for level in 0..<34 {
            nodes.append(#"{"feature":0,"threshold":1,"left":\#(2 * level + 2),"right":\#(2 * level + 1)}"#)
            nodes.append(#"{"value":0}"#)
        }
        nodes.append(#"{"value":0}"#)
        return "[{\"nodes\":[" + nodes.joined(separator: ",") + "]}]"
    }()

    @Test(arguments: [
        (
            model(trees: #"[{"nodes":[{"feature":0,"threshold":1,"left":0,"right":2},{"value":1},{"value":1}]}]"#),
            "trees[0].nodes[0].left: 0 does not come after its parent 0"
        ),
        (
            model(trees: #"[{"nodes":[{"feature":0,"threshold":1,"left":1,"right":1},{"value":1}]}]"#),
            "trees[0].nodes[0].right: node 1 already has a parent"
        ),
        (
            model(trees: #"[{"nodes":[{"feature":0,"threshold":1,"left":7,"right":2},{"value":1},{"value":1}]}]"#),
            "trees[0].nodes[0].left: 7 is out of range"
        ),
        (
            model(trees: #"[{"nodes":[{"feature":99,"threshold":1,"left":1,"right":2},{"value":1},{"value":1}]}]"#),
            "trees[0].nodes[0].feature: 99 is out of range"
        ),
        (
            model(
                trees:
                    #"[{"nodes":[{"feature":0,"threshold":1,"left":1,"right":2},{"value":1},{"value":1},{"value":1}]}]"#
            ),
            "trees[0].nodes[3]: is no node's child"
        ),
        (model(trees: #"[{"nodes":[{"value":1e300}]}]"#), "trees[0].nodes[0].value: 1e+300 is out of range"),
        (model(trees: #"[{"nodes":[{"value":1,"weight":2}]}]"#), "trees[0].nodes[0]: unknown member \"weight\""),
        (
            model(trees: #"[{"nodes":[{"feature":0,"threshold":"1","left":1,"right":2},{"value":1},{"value":1}]}]"#),
            "trees[0].nodes[0].threshold: must be a finite number"
        ),
        (model(trees: #"[{"nodes":[]}]"#), "trees[0].nodes: 0 nodes"),
        (model(trees: "[]"), "trees: 0 trees"),
        (model(trees: chain), "deeper than 32 levels"),
        (model(features: #"["events"]"#), "features: 1 names; this build computes"),
        (
            model(features: names.replacingOccurrences(of: "\"events\"", with: "\"evil\"")),
            "features[0]: is \"evil\"; this build computes \"events\""
        ),
        (model(link: "identity"), "link: is \"identity\""),
        (model(extra: #","note":"x""#), "the model: unknown member \"note\""),
        (model(base: "1e7"), "base_score: 10000000.0 is out of range"),
        (model() + " x", "JSON: 1:"),
    ])
    func aBadModelIsRefusedSayingWhatAndWhere(_ json: String, _ expected: String) {
        #expect {
            try RiskModel(json: Array(json.utf8))
        } throws: { error in
            "\(error)".hasPrefix("risk model: ") && "\(error)".contains(expected)
        }
    }

    @Test func anAcceptedModelScoresExtremeFiniteVectorsInsideZeroToOne() throws {
        let model = try RiskModel(json: try ParityFixture.modelBytes())
        for extreme in [0, -0.0, 1, -1, 1e300, -1e300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e-320] {
            let score = model.score(
                WindowFeatures(values: Array(repeating: extreme, count: WindowFeatures.names.count)))
            #expect(score >= 0 && score <= 1)
        }
    }
}
