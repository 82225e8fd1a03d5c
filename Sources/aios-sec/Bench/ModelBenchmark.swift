import Audit
import Capabilities
import Detection
import Foundation

/// Times the local risk model on the parity fixture's windows: features and score together, and the score alone;
/// the anchor in the same run is a plain linear pass (a dot product over the same features and the same logistic
/// link: the cheapest model there is).
struct ModelBenchmark {
    struct Figures {
        var median: Double
        var p99: Double
    }

    let model: RiskModel
    let windows: [[HostEvent]]
    let repeats: Int

    /// Microseconds per window: features + score, score alone, and the linear anchor.
    func run() -> (both: Figures, score: Figures, linear: Figures) {
        let vectors = windows.map(WindowFeatureExtractor.features(of:))
        let weights = (0..<WindowFeatures.names.count).map { 1e-3 * Double($0 % 7 - 3) }
        var both: [Double] = []
        var alone: [Double] = []
        var linear: [Double] = []
        var sink = 0.0
        for _ in 0..<repeats {
            for (events, vector) in zip(windows, vectors) {
                both.append(
                    Self.time(iterations: 20) { sink += model.score(WindowFeatureExtractor.features(of: events)) })
                alone.append(Self.time(iterations: 500) { sink += model.score(vector) })
                linear.append(Self.time(iterations: 500) { sink += Self.linear(vector.values, weights) })
            }
        }
        precondition(sink.isFinite)
        return (Self.figures(both), Self.figures(alone), Self.figures(linear))
    }

    static func linear(_ values: [Double], _ weights: [Double]) -> Double {
        var sum = 0.0
        for index in values.indices { sum += values[index] * weights[index] }
        return 1 / (1 + exp(-sum))
    }

    /// Mean microseconds per call over a batch (one call is too short for the clock alone).
    static func time(iterations: Int, _ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        for _ in 0..<iterations { body() }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        return nanoseconds / 1000 / Double(iterations)
    }

    static func figures(_ samples: [Double]) -> Figures {
        let sorted = samples.sorted()
        return Figures(median: sorted[sorted.count / 2], p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
    }

    /// The fixture's windows as the events window would hold them.
    static func windows(fixture path: String) throws -> [[HostEvent]] {
        let root = try JSONParser.parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        guard case .array(let windows)? = root["windows"] else { throw ValidationFailure("\(path): no windows") }
        return try windows.map { window in
            guard case .array(let events)? = window["events"] else { throw ValidationFailure("\(path): no events") }
            return try events.map(event)
        }
    }

    private static func event(_ value: JSONValue) throws -> HostEvent {
        guard let kind = value["kind"]?.stringValue.flatMap(HostEventKind.init(rawValue:)),
            let type = value["eventType"]?.stringValue.flatMap(AuditEventType.init(rawValue:)),
            let agent = value["agent"]?.stringValue, let action = value["action"]?.stringValue,
            let target = value["target"]?.stringValue,
            let result = value["result"]?.stringValue.flatMap(AuditResult.init(rawValue:)),
            let risk = value["riskLevel"]?.stringValue.flatMap(RiskLevel.init(rawValue:)),
            let time = value["time"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
        else { throw ValidationFailure("an event of the fixture is malformed") }
        return HostEvent(
            kind: kind, time: time,
            draft: AuditDraft(
                eventType: type, agent: agent, action: action, target: target, result: result, riskLevel: risk,
                details: value["details"] ?? .object([])))
    }

    struct ValidationFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
