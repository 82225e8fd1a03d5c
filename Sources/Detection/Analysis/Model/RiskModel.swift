import Audit
import Foundation

/// The local risk model: a gradient-boosted tree ensemble exported by `models/train/train.py`, evaluated here —
/// no Python at run time. A split goes left when the feature, rounded to float32 as scikit-learn rounds it, is at
/// most the threshold; the leaves reached are added in tree order to the base score, and the logistic link makes
/// the sum a probability in [0, 1].
///
/// The JSON is checked strictly before any score is given (``RiskModelParser``): the feature names must be
/// ``WindowFeatures/names`` in order, every index in range, every tree a tree (children after their parent, each
/// node reached once), depth and sizes bounded. Scoring allocates nothing and walks at most
/// `trees × maximumDepth` nodes.
public struct RiskModel: Sendable {
    /// One node, split or leaf, in one flat array for all trees.
    struct Node: Sendable {
        /// The feature a split compares; -1 for a leaf.
        var feature: Int32
        var left: Int32
        var right: Int32
        /// A split's threshold, or a leaf's value (learning rate × the tree's value).
        var value: Double
    }

    public static let format = "aios-risk-model/1"
    public static let maximumBytes = 16 << 20
    public static let maximumTrees = 4096
    public static let maximumNodesPerTree = 8191
    public static let maximumDepth = 32
    /// Leaves and the base score are bounded so that no sum of them can overflow (an infinite sum of mixed signs
    /// would be NaN, not a probability).
    public static let maximumMagnitude = 1e6

    /// The model's name (`risk-gbt-…`): what the manifest, the ledger and a verdict cite.
    public let identifier: String
    let baseScore: Double
    let nodes: [Node]
    let roots: [Int32]

    public init(json: [UInt8]) throws(DetectionError) {
        self = try RiskModelParser.parse(json)
    }

    init(identifier: String, baseScore: Double, nodes: [Node], roots: [Int32]) {
        self.identifier = identifier
        self.baseScore = baseScore
        self.nodes = nodes
        self.roots = roots
    }

    /// Trees in the ensemble.
    public var treeCount: Int { roots.count }

    /// The risk of a window, in [0, 1].
    public func score(_ features: WindowFeatures) -> Double {
        1 / (1 + exp(-rawScore(features.values)))
    }

    /// The sum before the link (log-odds).
    func rawScore(_ values: [Double]) -> Double {
        var sum = baseScore
        nodes.withUnsafeBufferPointer { nodes in
            values.withUnsafeBufferPointer { values in
                for root in roots {
                    var index = Int(root)
                    while nodes[index].feature >= 0 {
                        let node = nodes[index]
                        // scikit-learn compares float32 features with float64 thresholds.
                        let value = Double(Float(values[Int(node.feature)]))
                        index = Int(value <= node.value ? node.left : node.right)
                    }
                    sum += nodes[index].value
                }
            }
        }
        return sum
    }
}
