import Audit
import Capabilities
import Detection
import Foundation

/// The windows `models/train/train.py` exported with the features and score Python computed for each, and the
/// committed model they were scored with.
struct ParityFixture {
    struct Window {
        let label: Int
        let attacks: [String]
        let events: [HostEvent]
        let features: [Double]
        let score: Double
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let modelURL = repository.appendingPathComponent("models/risk-model.json")
    static let fixtureURL = repository.appendingPathComponent("Tests/DetectionTests/Fixtures/risk-model-parity.json")

    let model: String
    let featureNames: [String]
    let windows: [Window]

    static func load() throws -> ParityFixture {
        let root = try JSONParser.parse(bytes: Array(try Data(contentsOf: fixtureURL)))
        guard case .array(let names)? = root["feature_names"], case .array(let windows)? = root["windows"] else {
            throw FixtureError("fixture: feature_names and windows")
        }
        return ParityFixture(
            model: root["model"]?.stringValue ?? "", featureNames: names.compactMap(\.stringValue),
            windows: try windows.map(window))
    }

    static func modelBytes() throws -> [UInt8] { Array(try Data(contentsOf: modelURL)) }

    private static func window(_ value: JSONValue) throws -> Window {
        guard case .integer(let label)? = value["label"], case .array(let attacks)? = value["attacks"],
            case .array(let events)? = value["events"], case .array(let features)? = value["features"],
            let score = number(value["score"])
        else { throw FixtureError("fixture: a window's members") }
        return Window(
            label: Int(label), attacks: attacks.compactMap(\.stringValue), events: try events.map(event),
            features: try features.map { try number($0) ?? { throw FixtureError("fixture: a feature") }() },
            score: score)
    }

    /// One event in the simulator's shape, as the events window would hold it.
    static func event(_ value: JSONValue) throws -> HostEvent {
        guard let kind = value["kind"]?.stringValue.flatMap(HostEventKind.init(rawValue:)),
            let type = value["eventType"]?.stringValue.flatMap(AuditEventType.init(rawValue:)),
            let agent = value["agent"]?.stringValue, let action = value["action"]?.stringValue,
            let target = value["target"]?.stringValue,
            let result = value["result"]?.stringValue.flatMap(AuditResult.init(rawValue:)),
            let risk = value["riskLevel"]?.stringValue.flatMap(RiskLevel.init(rawValue:)),
            let time = value["time"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
        else { throw FixtureError("fixture: an event's members: \(value.canonicalText.prefix(200))") }
        let draft = AuditDraft(
            eventType: type, agent: agent, action: action, target: target, result: result, riskLevel: risk,
            details: value["details"] ?? .object([]))
        return HostEvent(kind: kind, time: time, draft: draft)
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let integer)?: Double(integer)
        case .number(let number)?: number
        default: nil
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
