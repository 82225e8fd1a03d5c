import ArgumentParser
import Foundation
import Policy

/// `--policy FILE`: the policy to use; the built-in one (the spec's defaults) when absent.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("policy"), help: "Policy YAML file (default: the built-in policy from the spec).")
    var file: String?

    /// Loads the policy, or prints every located problem and exits 65.
    func load() throws -> SecurityPolicy {
        guard let file else { return .builtin() }
        do {
            return try SecurityPolicy.load(file: file)
        } catch {
            printError(error.description)
            throw ExitStatus.dataError
        }
    }
}

/// `--json`: machine-readable output, one JSON object per line.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (one object per line) instead of text.")
    var json = false
}

/// Prints `value` as one line of JSON with sorted keys.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
