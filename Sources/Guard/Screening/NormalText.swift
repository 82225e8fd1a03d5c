/// Text as the heuristics read it: lower case, look-alike letters folded to Latin, hidden characters dropped, and
/// split into words of letters and digits.
struct NormalText {
    /// Lower case with look-alikes folded and hidden characters removed; line breaks kept.
    let lowered: String
    /// ``lowered`` without any whitespace (so `"type" : "tool_use"` and `"type":"tool_use"` read the same).
    let compact: String
    let words: [Substring]
    let hasMixedScriptWord: Bool

    init(_ text: String) {
        var folded = String.UnicodeScalarView()
        var mixed = false
        var wordHasLatin = false
        var wordHasLookAlike = false
        for scalar in text.unicodeScalars {
            if HiddenUnicode.kind(of: scalar) != nil { continue }
            let latin = scalar.properties.isAlphabetic && scalar.isASCII
            let lookAlike = Homoglyphs.latin(for: scalar)
            if latin || lookAlike != nil {
                wordHasLatin = wordHasLatin || latin
                wordHasLookAlike = wordHasLookAlike || (lookAlike != nil && !scalar.isASCII)
                mixed = mixed || (wordHasLatin && wordHasLookAlike)
            } else if !scalar.properties.isAlphabetic {
                wordHasLatin = false
                wordHasLookAlike = false
            }
            let base = lookAlike ?? scalar
            folded.append(contentsOf: base.properties.lowercaseMapping.unicodeScalars)
        }
        lowered = String(folded)
        compact = String(String.UnicodeScalarView(lowered.unicodeScalars.filter { !$0.properties.isWhitespace }))
        words = lowered.split { !($0.isLetter || $0.isNumber) }
        hasMixedScriptWord = mixed
    }
}

/// Cyrillic, Greek and full-width letters that look like Latin ones.
enum Homoglyphs {
    private static let table: [UInt32: Unicode.Scalar] = {
        var table: [UInt32: Unicode.Scalar] = [:]
        let pairs: [(String, String)] = [
            ("аеорсухіјѕԁһӏԛԝ", "aeopcyxijsdhlqw"), ("АВЕКМНОРСТХУІЈЅ", "ABEKMHOPCTXYIJS"),
            ("αοιкνρτυχ", "aoikvptux"), ("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX"),
        ]
        for (from, to) in pairs {
            for (source, target) in zip(from.unicodeScalars, to.unicodeScalars) { table[source.value] = target }
        }
        return table
    }()

    /// The Latin letter `scalar` imitates (full-width Latin included), or nil.
    static func latin(for scalar: Unicode.Scalar) -> Unicode.Scalar? {
        if (0xFF21...0xFF3A).contains(scalar.value) || (0xFF41...0xFF5A).contains(scalar.value) {
            return Unicode.Scalar(scalar.value - 0xFEE0)
        }
        return table[scalar.value]
    }
}
