import ArgumentParser
import Detection
import Foundation

/// `aios-sec bench model`: inference time per window of the local risk model (features + score, and the score
/// alone), median and p99, with two anchors from the same run: a linear pass over the same features in Swift, and
/// the same model in plain Python (features.py and the exported JSON) when `--python` is given.
struct ModelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time the local risk model per window (features + score, score alone) against anchors.",
        discussion:
            "Run from the repository (the defaults are its model and parity fixture). Prints MODEL_RESULT {json}.")

    @Option(help: "The exported model.") var model = "models/risk-model.json"
    @Option(help: "Windows to score (the parity fixture).") var fixture =
        "Tests/DetectionTests/Fixtures/risk-model-parity.json"
    @Option(help: "Passes over the windows.") var repeats = 50
    @Option(help: "A Python interpreter for the Python anchor (models/train/bench_anchor.py); none to skip it.")
    var python = "python3"
    @Option(help: "Passes of the Python anchor.") var pythonRepeats = 5

    func validate() throws {
        guard repeats >= 1, pythonRepeats >= 1 else { throw ValidationError("repeats must be at least 1") }
    }

    func run() throws {
        let loaded = try RiskModel(json: Array(try Data(contentsOf: URL(fileURLWithPath: model))))
        let windows = try ModelBenchmark.windows(fixture: fixture)
        let events = windows.map(\.count)
        let (both, score, linear) = ModelBenchmark(model: loaded, windows: windows, repeats: repeats).run()
        let format = { (label: String, figures: ModelBenchmark.Figures) in
            print(String(format: "%@: median %.2f µs, p99 %.2f µs per window", label, figures.median, figures.p99))
        }
        print(
            "model \(loaded.identifier), \(loaded.treeCount) trees; \(windows.count) windows of "
                + "\(events.min() ?? 0)–\(events.max() ?? 0) events; \(repeats) passes; \(buildKind) build")
        format("features + score", both)
        format("score alone", score)
        format("anchor: linear pass over the same features", linear)
        var anchor = "null"
        if python != "none" {
            anchor = try pythonAnchor()
            print("anchor: Python (features.py + the exported model, plain Python): \(anchor)")
        }
        print(
            "MODEL_RESULT {\"build\":\"\(buildKind)\",\"model\":\"\(loaded.identifier)\",\"windows\":\(windows.count),"
                + "\"features_and_score_median_us\":\(both.median),\"features_and_score_p99_us\":\(both.p99),"
                + "\"score_median_us\":\(score.median),\"score_p99_us\":\(score.p99),"
                + "\"linear_median_us\":\(linear.median),\"linear_p99_us\":\(linear.p99),\"python\":\(anchor)}")
    }

    private func pythonAnchor() throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "models/train/bench_anchor.py", model, fixture, String(pythonRepeats)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            printError("bench model: the Python anchor failed (exit \(process.terminationStatus))")
            throw ExitStatus.software
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
