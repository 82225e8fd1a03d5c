import Audit
import Capabilities

/// Computes a window's ``WindowFeatures`` exactly as `models/train/features.py` does: the same counts, float64 sums
/// accumulated in event order, the same bounds (the first ``FeatureVocabulary/maximumEvents`` events; at most
/// ``FeatureVocabulary/maximumDistinct`` members in any set of distinct values or per-peer table).
public enum WindowFeatureExtractor {
    public static func features(of events: [HostEvent]) -> WindowFeatures {
        var accumulator = FeatureAccumulator()
        for event in events.prefix(FeatureVocabulary.maximumEvents) { accumulator.add(event.entry) }
        return WindowFeatures(values: accumulator.finish())
    }
}

/// A set that stops growing at ``FeatureVocabulary/maximumDistinct`` members.
struct BoundedFeatureSet<Element: Hashable> {
    private(set) var members: Set<Element> = []

    mutating func add(_ element: Element) {
        if members.count < FeatureVocabulary.maximumDistinct { members.insert(element) }
    }

    var count: Double { Double(members.count) }
}

/// JSON values as features.py reads them.
extension JSONValue {
    /// An integer or a number as float64; anything else (a string, a bool, null) is nil.
    var featureNumber: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// A string that is not empty (features.py's `text(...) or default`).
    var nonEmptyString: String? {
        guard case .string(let value) = self, !value.isEmpty else { return nil }
        return value
    }
}
