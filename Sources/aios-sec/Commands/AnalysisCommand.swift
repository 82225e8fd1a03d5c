import AIOSProto
import ArgumentParser
import Foundation

/// `aios-sec analysis status|screen|validate`: the loop's state, and the AI-specific defences from a terminal.
struct AnalysisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analysis",
        abstract: "The AI analysis loop's state; screen untrusted text; validate a model's JSON against a schema.",
        discussion: """
            See docs/analysis.md. Exit status: 0 (validate: valid; screen: not risky), 1 (validate: violations;
            screen: risky), 64 bad options, 65 refused input, 69 daemon unreachable, 77 not allowed.
            """,
        subcommands: [Status.self, Screen.self, Validate.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The model, the last score, escalations.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let state = try await connection.withClient { try await $0.getAnalysis(.init()) }
            print("running:     \(state.running)")
            print("model:       \(state.modelIdentifier.isEmpty ? "-" : state.modelIdentifier) (\(state.modelState))")
            if !state.lastWindowAt.isEmpty {
                print("last window: \(state.lastWindowAt), \(state.lastWindowEvents) events, score \(state.lastScore)")
            }
            print("threshold:   \(state.threshold)")
            print("windows:     \(state.windows)")
            print(
                "escalations: \(state.escalations) answered, \(state.escalationsRejected) rejected, "
                    + "\(state.escalationsFailed) failed (\(state.escalationState))")
        }
    }

    struct Screen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a file's text (or standard input) as untrusted data and flag injection attempts.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The file; - for standard input.") var file = "-"
        @Option(help: "Where the text came from (named in the marked block).") var source = ""

        func run() async throws {
            var request = Aios_Security_V1_ScreenUntrustedRequest()
            request.text = try readText(file, limit: 64 << 10)
            request.source = source.isEmpty ? file : source
            let screened = try await connection.withClient { [request] in try await $0.screenUntrusted(request) }
            print(screened.marked)
            for reason in screened.reasons { printError("screen: \(reason)") }
            if screened.risky { throw ExitStatus.denied }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a JSON file against a JSON Schema file.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The JSON Schema (the subset in docs/analysis.md).") var schema: String
        @Argument(help: "The JSON to check; - for standard input.") var file = "-"

        func run() async throws {
            var request = Aios_Security_V1_ValidateResponseRequest()
            request.schemaJson = try readText(schema, limit: 64 << 10)
            request.json = try readText(file, limit: 1 << 20)
            let checked = try await connection.withClient { [request] in try await $0.validateResponse(request) }
            for violation in checked.violations { print("\(violation.path): \(violation.message)") }
            guard checked.valid else { throw ExitStatus.denied }
            print("valid")
        }
    }
}

/// A text file or standard input, refused past `limit` bytes or when not UTF-8.
private func readText(_ path: String, limit: Int) throws -> String {
    let handle = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path)
    guard let handle else {
        printError("analysis: cannot open \(path)")
        throw ExitStatus.dataError
    }
    let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
    guard data.count <= limit else {
        printError("analysis: \(path) is larger than \(limit) bytes")
        throw ExitStatus.dataError
    }
    guard let text = String(data: data, encoding: .utf8) else {
        printError("analysis: \(path) is not UTF-8")
        throw ExitStatus.dataError
    }
    return text
}
