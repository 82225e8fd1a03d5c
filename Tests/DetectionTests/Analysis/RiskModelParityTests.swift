import Audit
import Detection
import Testing

@Suite struct RiskModelParityTests {
    @Test func theFeatureNamesAreThoseTheModelWasTrainedOn() throws {
        let fixture = try ParityFixture.load()
        #expect(WindowFeatures.names == fixture.featureNames)
        #expect(Set(WindowFeatures.names).count == WindowFeatures.names.count)
    }

    @Test func everyFixtureWindowHasPythonsFeaturesExactly() throws {
        let fixture = try ParityFixture.load()
        #expect(fixture.windows.count >= 24)
        for (index, window) in fixture.windows.enumerated() {
            let features = WindowFeatureExtractor.features(of: window.events)
            for (name, (swift, python)) in zip(WindowFeatures.names, zip(features.values, window.features))
            where swift != python {
                Issue.record("window \(index): \(name) is \(swift) in Swift, \(python) in Python")
            }
        }
    }

    @Test func everyFixtureWindowScoresAsScikitLearnScoredIt() throws {
        let fixture = try ParityFixture.load()
        let model = try RiskModel(json: try ParityFixture.modelBytes())
        #expect(model.identifier == fixture.model)
        for (index, window) in fixture.windows.enumerated() {
            let score = model.score(WindowFeatureExtractor.features(of: window.events))
            #expect(abs(score - window.score) <= 1e-9, "window \(index): \(score) in Swift, \(window.score) in Python")
        }
    }

    @Test func attackWindowsScoreAboveBenignOnes() throws {
        let fixture = try ParityFixture.load()
        let model = try RiskModel(json: try ParityFixture.modelBytes())
        let scored = fixture.windows.map {
            (window: $0, score: model.score(WindowFeatureExtractor.features(of: $0.events)))
        }
        let benign = scored.filter { $0.window.label == 0 }.map(\.score)
        let attacks = scored.filter { $0.window.label == 1 }
        #expect(!benign.isEmpty && !attacks.isEmpty)
        // No benign window reaches the escalation threshold, and most attacks do: every kind at least once.
        #expect(benign.allSatisfy { $0 < 0.7 })
        let above = attacks.filter { $0.score >= 0.7 }
        #expect(above.count * 4 >= attacks.count * 3)
        let kinds = Set(above.flatMap(\.window.attacks))
        #expect(
            kinds
                == Set([
                    "port_scan", "brute_force", "exfiltration", "privilege_escalation", "miner", "persistence",
                    "module_load",
                ]))
        let meanBenign = benign.reduce(0, +) / Double(benign.count)
        let meanAttack = attacks.map(\.score).reduce(0, +) / Double(attacks.count)
        #expect(meanAttack > meanBenign + 0.5)
    }
}
