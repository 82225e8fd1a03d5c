/// A line diff (longest common subsequence), printed with `-` for lines only in the old text, `+` for lines only
/// in the new one and two spaces for lines in both.
public struct TextDiff: Sendable, Equatable, CustomStringConvertible {
    public enum Line: Sendable, Equatable {
        case same(String), removed(String), added(String)
    }

    public let lines: [Line]

    public var isEmpty: Bool { lines.allSatisfy { if case .same = $0 { true } else { false } } }

    public init(from old: String, to new: String) {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // lengths[i][j]: the longest common subsequence of a[i...] and b[j...].
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var lines: [Line] = []
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                lines.append(.same(a[i]))
                (i, j) = (i + 1, j + 1)
            } else if j < b.count, i == a.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                lines.append(.added(b[j]))
                j += 1
            } else {
                lines.append(.removed(a[i]))
                i += 1
            }
        }
        self.lines = lines
    }

    /// Only the changed lines, each with one line of context around it.
    public var description: String {
        var shown: [String] = []
        for (index, line) in lines.enumerated() {
            let near = lines[max(0, index - 1)...min(lines.count - 1, index + 1)].contains {
                if case .same = $0 { false } else { true }
            }
            switch line {
            case .same(let text): if near { shown.append("  " + text) }
            case .removed(let text): shown.append("- " + text)
            case .added(let text): shown.append("+ " + text)
            }
        }
        return shown.joined(separator: "\n")
    }
}
