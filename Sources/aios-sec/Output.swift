import Foundation

/// Writes one line to standard error (diagnostics never go to stdout, which carries results).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
