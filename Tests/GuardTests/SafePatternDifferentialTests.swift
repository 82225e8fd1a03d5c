import Foundation
import Testing

@testable import Guard

/// The linear-time matcher against Foundation's regular expressions (ICU), over random patterns of the subset and
/// random texts, on an alphabet where ECMA-262 and ICU agree.
@Suite struct SafePatternDifferentialTests {
    static let atoms = ["a", "b", ".", "[ab]", "[^a]", "[a-c1]", "\\d", "\\w", "\\s", "\\-", "-"]
    static let quantifiers = ["", "", "?", "*", "+", "{2}", "{1,2}", "{0,}", "{0,3}"]
    static let alphabet: [Character] = ["a", "b", "c", "1", "-", " "]

    @Test func theMatcherAgreesWithICUOnTheSubset() throws {
        var generator = SeededGenerator(seed: 19)
        var compared = 0
        for _ in 0..<400 {
            var source = Bool.random(using: &generator) ? "^" : ""
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                source += Self.atoms.randomElement(using: &generator)!
                source += Self.quantifiers.randomElement(using: &generator)!
            }
            if Bool.random(using: &generator) { source += "$" }
            let ours = try SafePattern(source)
            let theirs = try NSRegularExpression(pattern: source)
            for _ in 0..<20 {
                let text = String(
                    (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                        Self.alphabet.randomElement(using: &generator)!
                    })
                let range = NSRange(text.startIndex..<text.endIndex, in: text)
                let expected = theirs.firstMatch(in: text, range: range) != nil
                #expect(ours.matches(text) == expected, "pattern \(source) on \"\(text)\"")
                compared += 1
            }
        }
        #expect(compared == 8_000)
    }
}
