/// The `pattern` subset: a sequence of single-character atoms, each optionally quantified, optionally anchored — no
/// groups, no alternation, no back-references, no look-around. Such a pattern is matched by a set-of-positions
/// automaton in time linear in the text (times the pattern's length), so no pattern and no text can make it take
/// exponential time, which a backtracking engine on `(a+)+$` would.
///
/// Atoms: a literal character, `.` (any but a line break), `\d \D \w \W \s \S`, an escaped punctuation character,
/// a class `[…]` / `[^…]` with ranges and those escapes. Quantifiers: `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`
/// (n, m ≤ 100). `^` only first and `$` only last. Unanchored ends search, as JSON Schema's `pattern` does.
struct SafePattern: Sendable {
    static let maximumLength = 256
    static let maximumElements = 512

    struct Element: Sendable {
        let atom: ScalarSet
        let optional: Bool
        let repeats: Bool
    }

    let elements: [Element]
    let anchoredStart: Bool
    let anchoredEnd: Bool

    init(_ source: String) throws(GuardError) {
        guard source.unicodeScalars.count <= Self.maximumLength else {
            throw GuardError("longer than \(Self.maximumLength) characters")
        }
        var parser = PatternParser(Array(source.unicodeScalars))
        let parsed = try parser.parse()
        elements = parsed.0
        anchoredStart = parsed.1
        anchoredEnd = parsed.2
        guard elements.count <= Self.maximumElements else {
            throw GuardError("expands to more than \(Self.maximumElements) steps")
        }
    }

    func matches(_ text: String) -> Bool {
        let count = elements.count
        var current = [Bool](repeating: false, count: count + 1)
        current[0] = true
        close(&current)
        if !anchoredEnd && current[count] { return true }
        for scalar in text.unicodeScalars {
            var next = [Bool](repeating: false, count: count + 1)
            for index in 0..<count where current[index] && elements[index].atom.contains(scalar) {
                next[index + 1] = true
                if elements[index].repeats { next[index] = true }
            }
            if !anchoredStart { next[0] = true }
            close(&next)
            if !anchoredEnd && next[count] { return true }
            current = next
        }
        return current[count]
    }

    /// Adds the positions reachable by skipping optional elements.
    private func close(_ states: inout [Bool]) {
        for index in 0..<elements.count where states[index] && elements[index].optional { states[index + 1] = true }
    }
}

/// A set of characters as ranges, possibly negated.
struct ScalarSet: Sendable {
    var ranges: [ClosedRange<UInt32>]
    var negated: Bool

    static let any = ScalarSet(ranges: [0x0A...0x0A, 0x0D...0x0D], negated: true)
    static let digits = ScalarSet(ranges: [0x30...0x39], negated: false)
    static let word = ScalarSet(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A], negated: false)
    static let space = ScalarSet(
        ranges: [0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x2000...0x200A, 0x2028...0x2029, 0x3000...0x3000],
        negated: false)

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        ranges.contains { $0.contains(scalar.value) } != negated
    }
}
