/// One problem in a policy file, located as `file:line:column: message` (1-based; column in Unicode scalars).
public struct PolicyIssue: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public let message: String

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A policy that cannot be loaded, with every problem found. Nothing of it is used.
public struct PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    public let issues: [PolicyIssue]

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
