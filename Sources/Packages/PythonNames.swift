/// Python project names as the index compares them, and the imitation test.
public enum PythonNames {
    /// PEP 503: lowercase, each run of `-`, `_`, `.` as one `-`.
    public static func normalized(_ name: String) -> String {
        var result = ""
        var separator = false
        for character in name.lowercased() {
            if "-_.".contains(character) {
                separator = true
                continue
            }
            if separator && !result.isEmpty { result.append("-") }
            separator = false
            result.append(character)
        }
        return result
    }

    /// The popular name `name` imitates: one insertion, deletion, substitution or swap of neighbours away (after
    /// normalisation), and not that name itself. Nil when none.
    public static func imitated(by name: String, among popular: [String]) -> String? {
        let candidate = Array(normalized(name))
        for original in popular {
            let target = Array(normalized(original))
            if target != candidate && abs(target.count - candidate.count) <= 1
                && distance(candidate, target) == 1
            {
                return original
            }
        }
        return nil
    }

    /// Optimal string alignment distance (Damerau–Levenshtein with adjacent swaps).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [Int](repeating: 0, count: b.count + 1)
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            previous2 = previous
            previous = current
        }
        return previous[b.count]
    }

    /// A wheel's file name: `NAME-VERSION(-BUILD)?-PY-ABI-PLATFORM.whl` → (name, version); nil for anything else.
    public static func wheel(_ file: String) -> (name: String, version: String)? {
        guard file.hasSuffix(".whl") else { return nil }
        let parts = file.dropLast(4).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 5 || parts.count == 6, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
