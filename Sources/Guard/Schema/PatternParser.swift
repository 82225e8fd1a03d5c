/// Parses the ``SafePattern`` subset, refusing everything else by name.
struct PatternParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    mutating func parse() throws(GuardError) -> ([SafePattern.Element], Bool, Bool) {
        var elements: [SafePattern.Element] = []
        let anchoredStart = current == "^"
        if anchoredStart { index += 1 }
        var anchoredEnd = false
        while let scalar = current {
            if scalar == "$" {
                guard index == scalars.count - 1 else { throw GuardError("'$' only at the end") }
                anchoredEnd = true
                index += 1
                break
            }
            let atom = try parseAtom()
            try appendQuantified(atom, to: &elements)
            guard elements.count <= SafePattern.maximumElements else {
                throw GuardError("expands to more than \(SafePattern.maximumElements) steps")
            }
        }
        return (elements, anchoredStart, anchoredEnd)
    }

    private mutating func parseAtom() throws(GuardError) -> ScalarSet {
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case "(", ")", "|": throw GuardError("groups and alternation are not supported")
        case "^": throw GuardError("'^' only at the start")
        case "*", "+", "?", "{", "}": throw GuardError("a quantifier with nothing to repeat")
        case ".": return .any
        case "[": return try parseClass()
        case "\\": return try parseEscape()
        default: return ScalarSet(ranges: [scalar.value...scalar.value], negated: false)
        }
    }

    private mutating func parseEscape() throws(GuardError) -> ScalarSet {
        guard let scalar = current else { throw GuardError("a trailing backslash") }
        index += 1
        switch scalar {
        case "d": return .digits
        case "D": return ScalarSet(ranges: ScalarSet.digits.ranges, negated: true)
        case "w": return .word
        case "W": return ScalarSet(ranges: ScalarSet.word.ranges, negated: true)
        case "s": return .space
        case "S": return ScalarSet(ranges: ScalarSet.space.ranges, negated: true)
        case "n": return ScalarSet(ranges: [0x0A...0x0A], negated: false)
        case "t": return ScalarSet(ranges: [0x09...0x09], negated: false)
        default:
            guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else {
                throw GuardError("escape '\\\(scalar.escaped(asASCII: true))' is not supported")
            }
            return ScalarSet(ranges: [scalar.value...scalar.value], negated: false)
        }
    }

    private mutating func parseClass() throws(GuardError) -> ScalarSet {
        var set = ScalarSet(ranges: [], negated: false)
        if current == "^" {
            set.negated = true
            index += 1
        }
        var first = true
        while let scalar = current, scalar != "]" || first {
            first = false
            index += 1
            var low: Unicode.Scalar = scalar
            if scalar == "\\" {
                let escaped = try parseEscape()
                guard escaped.ranges.count == 1, !escaped.negated, let only = escaped.ranges.first,
                    only.count == 1
                else {
                    guard !escaped.negated else { throw GuardError("negated escapes inside a class") }
                    set.ranges += escaped.ranges
                    continue
                }
                low = Unicode.Scalar(only.lowerBound) ?? low
            }
            if current == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                index += 1
                var high = scalars[index]
                index += 1
                if high == "\\" {
                    let escaped = try parseEscape()
                    guard escaped.ranges.count == 1, let only = escaped.ranges.first, only.count == 1,
                        let single = Unicode.Scalar(only.lowerBound)
                    else { throw GuardError("a class range must end at one character") }
                    high = single
                }
                guard low.value <= high.value else { throw GuardError("a class range out of order") }
                set.ranges.append(low.value...high.value)
            } else {
                set.ranges.append(low.value...low.value)
            }
        }
        guard current == "]" else { throw GuardError("an unclosed class") }
        index += 1
        return set
    }

    private mutating func appendQuantified(
        _ atom: ScalarSet, to elements: inout [SafePattern.Element]
    ) throws(GuardError) {
        let (low, high) = try parseQuantifier()
        if current == "?" || current == "+" { throw GuardError("lazy and possessive quantifiers are not supported") }
        guard low <= SafePattern.maximumElements, (high ?? low) <= SafePattern.maximumElements else {
            throw GuardError("expands to more than \(SafePattern.maximumElements) steps")
        }
        let required = high == nil ? max(low - 1, 0) : low
        for _ in 0..<required { elements.append(.init(atom: atom, optional: false, repeats: false)) }
        if let high {
            for _ in low..<high { elements.append(.init(atom: atom, optional: true, repeats: false)) }
        } else {
            elements.append(.init(atom: atom, optional: low == 0, repeats: true))
        }
    }

    /// The repetition after an atom: (minimum, maximum or nil for unbounded).
    private mutating func parseQuantifier() throws(GuardError) -> (Int, Int?) {
        switch current {
        case "?":
            index += 1
            return (0, 1)
        case "*":
            index += 1
            return (0, nil)
        case "+":
            index += 1
            return (1, nil)
        case "{":
            index += 1
            let low = try parseCount()
            var high: Int? = low
            if current == "," {
                index += 1
                high = current == "}" ? nil : try parseCount()
            }
            guard current == "}" else { throw GuardError("an unclosed repetition") }
            index += 1
            guard low <= 100, (high ?? low) <= 100, low <= (high ?? low) else {
                throw GuardError("a repetition outside 0…100 or out of order")
            }
            return (low, high)
        default: return (1, 1)
        }
    }

    private mutating func parseCount() throws(GuardError) -> Int {
        var value = 0
        var digits = 0
        while let scalar = current, ("0"..."9").contains(scalar), digits < 4 {
            value = value * 10 + Int(scalar.value - 48)
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw GuardError("a repetition count is missing") }
        return value
    }
}
