import Yams

/// Walks a composed YAML tree, collecting located issues instead of stopping at the first.
struct YAMLReader {
    let file: String
    private(set) var issues: [PolicyIssue] = []

    /// Issues in file order.
    var sortedIssues: [PolicyIssue] { issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) } }

    init(file: String) {
        self.file = file
    }

    mutating func report(_ node: Node?, _ message: String, columnOffset: Int = 0) {
        let mark = node?.mark
        issues.append(
            PolicyIssue(
                file: file, line: mark?.line ?? 1, column: (mark?.column ?? 1) + columnOffset, message: message))
    }

    mutating func report(line: Int, column: Int, _ message: String) {
        issues.append(PolicyIssue(file: file, line: line, column: column, message: message))
    }

    /// The pairs of a mapping with string keys, or nil (reported) when `node` is not one.
    mutating func mapping(_ node: Node, _ what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            report(node, "\(what) must be a mapping")
            return nil
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                report(key, "keys in \(what) must be plain strings")
                continue
            }
            pairs.append((scalar.string, key, value))
        }
        return pairs
    }

    /// The items of a sequence, or nil (reported) when `node` is not one.
    mutating func sequence(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report(node, "\(what) must be a list")
            return nil
        }
        return Array(sequence)
    }

    /// A scalar's text, or nil (reported) when `node` is not a scalar.
    mutating func scalar(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node else {
            report(node, "\(what) must be a single value")
            return nil
        }
        return scalar.string
    }

    /// Columns to add to a scalar's mark to point inside its text: 1 for quoted scalars.
    static func contentOffset(_ node: Node) -> Int {
        guard case .scalar(let scalar) = node else { return 0 }
        switch scalar.style {
        case .singleQuoted, .doubleQuoted: return 1
        default: return 0
        }
    }

    /// Reports every key of `pairs` not in `allowed`.
    mutating func rejectUnknownKeys(
        _ pairs: [(key: String, keyNode: Node, value: Node)], allowed: [String], in what: String
    ) {
        for pair in pairs where !allowed.contains(pair.key) {
            report(pair.keyNode, "unknown key '\(pair.key)' in \(what) (allowed: \(allowed.joined(separator: ", ")))")
        }
    }
}

extension YAMLReader {
    /// Turns a Yams error into a located issue.
    static func issue(from error: Error, file: String, yaml: String) -> PolicyIssue {
        guard let error = error as? YamlError else {
            return PolicyIssue(file: file, line: 1, column: 1, message: "cannot read YAML: \(error)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { $0.text + ": " } ?? ""
            return PolicyIssue(file: file, line: mark.line, column: mark.column, message: "YAML: \(prefix)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PolicyIssue(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the same mapping "
                    + "(first definition here)")
        case .reader(let problem, let offset, _, _):
            let (line, column) = position(ofByte: offset ?? 0, in: yaml)
            return PolicyIssue(file: file, line: line, column: column, message: "YAML: \(problem)")
        default:
            return PolicyIssue(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    private static func position(ofByte offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for byte in text.utf8.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
