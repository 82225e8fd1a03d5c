import Testing

@testable import Policy

/// Loads `snippet` after a two-line role (`r:` with no capabilities) and expects an issue starting with `expected`,
/// written as if the snippet began on line 1 (`p.yaml:L:C: message`).
func expectIssue(snippet: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let issues: [String]
    do {
        _ = try SecurityPolicy.parse(yaml: "r:\n  capabilities: []\n" + snippet, file: "p.yaml")
        issues = []
    } catch {
        issues = error.issues.map(\.description)
    }
    let parts = expected.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
    let shifted = parts.count == 3 && Int(parts[1]) != nil ? "\(parts[0]):\(Int(parts[1])! + 2):\(parts[2])" : expected
    #expect(issues.contains { $0.hasPrefix(shifted) }, "got \(issues)", sourceLocation: sourceLocation)
}
