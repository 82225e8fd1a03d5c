import Foundation
import Testing

/// Runs a Python script of Fixtures/ with grpcio (Fixtures/grpc-python.sh) and decodes the one JSON object it
/// prints.
func runGRPCPython(_ script: String, _ arguments: [String]) throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [BinaryRunner.fixture("grpc-python.sh"), script] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let text = output.fileHandleForReading.readDataToEndOfFile()
    let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(problems)")
    return try #require(
        try JSONSerialization.jsonObject(with: text) as? [String: Any],
        "\(String(decoding: text, as: UTF8.self))\n\(problems)")
}
