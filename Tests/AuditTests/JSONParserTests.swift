import Testing

@testable import Audit

@Suite("Strict JSON for untrusted input")
struct JSONParserTests {
    @Test("values parse, integers stay integers, and canonical text is stable")
    func parses() throws {
        let value = try JSONParser.parse(#"{"b": [1, -2.5, true, null, "x\/y\u00e9"], "a": {"n": 12345678901}}"#)
        #expect(value["a"]?["n"] == .integer(12_345_678_901))
        #expect(value.canonicalText == #"{"b":[1,-2.5,true,null,"x/yé"],"a":{"n":12345678901}}"#)
        #expect(value.sortingKeys.canonicalText == #"{"a":{"n":12345678901},"b":[1,-2.5,true,null,"x/yé"]}"#)
        #expect(try JSONParser.parse(value.canonicalText) == value)
    }

    @Test(
        "bad input names the line and column",
        arguments: [
            ("{\"a\":1,\"a\":2}", 1, 8, "duplicate key"), ("[1,]", 1, 4, "unexpected character"),
            ("{\"a\":1}\n x", 2, 2, "unexpected text"), ("\"\\ud800\"", 1, 8, "unpaired surrogate"),
            ("\"a\u{01}\"", 1, 3, "control character"), ("01", 1, 2, "unexpected text"),
            ("1e999", 1, 1, "out of range"),
            ("{\"a\" 1}", 1, 6, "expected ':'"), ("tru", 1, 1, "invalid literal"), ("", 1, 1, "unexpected end"),
        ])
    func rejects(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("'\(text)' must be rejected")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test("nesting deeper than the limit and invalid UTF-8 are refused")
    func limits() {
        #expect(throws: JSONParseError.self) {
            try JSONParser.parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes: [0x22, 0xC0, 0xAF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }
}
