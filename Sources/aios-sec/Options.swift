import ArgumentParser
import Foundation
import Policy

/// `--policy FILE`: the policy to use; the built-in one (the spec's defaults) when absent.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("policy"), help: "Policy YAML file (default: the built-in policy from the spec).")
    var file: String?

    /// Loads the policy, or prints every located problem and exits 65.
    func load() throws -> SecurityPolicy { try loadText().policy }

    /// The policy and the text it was parsed from (hashed for the ledger: exactly what was loaded).
    func loadText() throws -> (policy: SecurityPolicy, text: String) {
        guard let file else { return (.builtin(), BuiltinPolicy.yaml) }
        do {
            let text = try SecurityPolicy.readFile(file)
            return (try SecurityPolicy.parse(yaml: text, file: file), text)
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
