import Audit
import Testing

@testable import Guard

@Suite struct JSONSchemaTests {
    static let verdictLike = """
        {"type":"object","additionalProperties":false,"required":["threat","score","actions"],"properties":{
        "threat":{"type":"boolean"},"score":{"type":"number","minimum":0,"maximum":1},
        "count":{"type":"integer"},"name":{"type":"string","minLength":2,"maxLength":5},
        "mode":{"enum":["a","b"]},"version":{"const":1},
        "actions":{"type":"array","minItems":1,"maxItems":2,"items":{"type":"object","required":["kind"],
        "additionalProperties":false,"properties":{"kind":{"type":"string"}}}},
        "extra":{"type":"object","additionalProperties":{"type":"string"}}}}
        """

    func violations(_ json: String, schema: String = verdictLike) throws -> [SchemaViolation] {
        try JSONSchema(JSONParser.parse(schema)).violations(of: JSONParser.parse(json))
    }

    @Test func aMatchingValueHasNoViolations() throws {
        let json =
            #"{"threat":true,"score":0.5,"count":3.0,"name":"abc","mode":"a","version":1,"actions":[{"kind":"x"}]}"#
        #expect(try violations(json) == [])
    }

    @Test(arguments: [
        (#"{"threat":true,"score":0.5}"#, "$.actions", "required member missing"),
        (#"{"threat":true,"score":0.5,"actions":[{"kind":"x"}],"bonus":1}"#, "$.bonus", "member not allowed"),
        (#"{"threat":"yes","score":0.5,"actions":[{"kind":"x"}]}"#, "$.threat", "expected boolean, found string"),
        (#"{"threat":true,"score":1.5,"actions":[{"kind":"x"}]}"#, "$.score", "above the maximum 1.0"),
        (#"{"threat":true,"score":-1,"actions":[{"kind":"x"}]}"#, "$.score", "below the minimum 0.0"),
        (
            #"{"threat":true,"score":0,"count":2.5,"actions":[{"kind":"x"}]}"#, "$.count",
            "expected integer, found number"
        ),
        (#"{"threat":true,"score":0,"name":"a","actions":[{"kind":"x"}]}"#, "$.name", "shorter than 2 characters"),
        (#"{"threat":true,"score":0,"name":"abcdef","actions":[{"kind":"x"}]}"#, "$.name", "longer than 5 characters"),
        (#"{"threat":true,"score":0,"mode":"c","actions":[{"kind":"x"}]}"#, "$.mode", "not one of the allowed values"),
        (#"{"threat":true,"score":0,"version":2,"actions":[{"kind":"x"}]}"#, "$.version", "not the required constant"),
        (#"{"threat":true,"score":0,"actions":[]}"#, "$.actions", "fewer than 1 items"),
        (
            #"{"threat":true,"score":0,"actions":[{"kind":"x"},{"kind":"y"},{"kind":"z"}]}"#, "$.actions",
            "more than 2 items"
        ),
        (#"{"threat":true,"score":0,"actions":[{"kind":1}]}"#, "$.actions[0].kind", "expected string, found integer"),
        (#"{"threat":true,"score":0,"actions":[{"kind":"x","why":"y"}]}"#, "$.actions[0].why", "member not allowed"),
        (
            #"{"threat":true,"score":0,"actions":[{"kind":"x"}],"extra":{"a b":1}}"#, #"$.extra["a b"]"#,
            "expected string, found integer"
        ),
        (#"[1]"#, "$", "expected object, found array"),
    ])
    func eachViolationHasItsPath(json: String, path: String, message: String) throws {
        #expect(try violations(json).contains(SchemaViolation(path: path, message: message)))
    }

    @Test func aMemberNameCannotForgeAPath() throws {
        let name = String(repeating: "\"].x[\"\n", count: 20)
        let value = JSONValue.object([
            ("threat", .bool(true)), ("score", .integer(0)), ("actions", .array([.object([("kind", .string("x"))])])),
            (name, .integer(1)),
        ])
        let found = try JSONSchema(JSONParser.parse(Self.verdictLike)).violations(of: value)
        #expect(found.count == 1)
        let path = try #require(found.first?.path)
        #expect(!path.contains("\n"))
        #expect(path.hasPrefix("$[\"\\\"]"))
        #expect(path.hasSuffix("…\"]"))
    }

    @Test(arguments: [
        ##"{"$ref":"#/defs/x"}"##, #"{"anyOf":[{"type":"string"}]}"#, #"{"type":"string","format":"ipv4"}"#,
        #"{"properties":{"a":{"tpye":"string"}}}"#, #"{"type":"strnig"}"#, #"{"required":"a"}"#,
        #"{"minLength":-1}"#, #"{"minItems":3,"maxItems":2}"#, #"{"additionalProperties":1}"#, #"{"enum":[]}"#,
        #"{"pattern":"(a+)+$"}"#, #"{"pattern":"a|b"}"#, #"{"pattern":"(?=a)"}"#, #"{"pattern":"\\1"}"#,
        #"{"pattern":"a{1,1000}"}"#, #"{"pattern":"a*?"}"#, "[]", #"{"description":{"type":"x"}}"#,
    ])
    func whatTheSubsetLacksIsRefusedNotIgnored(schema: String) throws {
        #expect(throws: GuardError.self) { try JSONSchema(JSONParser.parse(schema)) }
    }

    @Test func deepSchemasAreRefused() throws {
        var schema = #"{"type":"string"}"#
        for _ in 0..<JSONSchema.maximumDepth { schema = #"{"items":"# + schema + "}" }
        #expect(throws: GuardError.self) { try JSONSchema(JSONParser.parse(schema)) }
    }

    @Test func violationsAreBounded() throws {
        let schema = #"{"type":"array","items":{"type":"string"}}"#
        let json = "[" + Array(repeating: "1", count: 500).joined(separator: ",") + "]"
        let found = try violations(json, schema: schema)
        #expect(found.count == JSONSchema.maximumViolations)
        #expect(found.last == SchemaViolation(path: "$", message: "more violations not listed"))
    }

    @Test(arguments: [
        ("^[a-z0-9_-]{3,16}$", "agent_7", true), ("^[a-z0-9_-]{3,16}$", "Agent", false),
        ("^[a-z0-9_-]{3,16}$", "ab", false), ("^\\d+\\.\\d+$", "10.5", true), ("^\\d+\\.\\d+$", "10x5", false),
        ("grant-", "revoke grant-42", true), ("^grant-", "revoke grant-42", false), ("^a?b*c+$", "c", true),
        ("^a?b*c+$", "abbbcc", true), ("^a?b*c+$", "aab", false), ("^[^\\s]+$", "no space", false),
        ("^[^\\s]+$", "nospace", true), ("^.{2}$", "é!", true), ("x$", "abx", true), ("^x", "abx", false),
        ("^a{2,}$", "a", false), ("^a{2,}$", "aaaa", true),
    ])
    func patternsOfTheSubsetMatchAsJSONSchemaSays(pattern: String, text: String, matches: Bool) throws {
        #expect(try SafePattern(pattern).matches(text) == matches)
    }

    /// `^(a|aa)+$`-style blow-ups cannot be written; the closest the subset allows runs in linear time.
    @Test func aPatternCannotBacktrack() throws {
        let pattern = try SafePattern("^a*a*a*a*a*a*a*a*a*a*b$")
        #expect(!pattern.matches(String(repeating: "a", count: 50_000)))
    }
}

@Suite struct ResponseValidationTests {
    let schema =
        #"{"type":"object","required":["ok"],"additionalProperties":false,"properties":{"ok":{"type":"boolean"}}}"#

    @Test func aMatchingResponseYieldsItsValue() throws {
        let check = try ResponseValidation.validate(schema: schema, response: #"{"ok":true}"#)
        #expect(check.valid)
        #expect(check.value == .object([("ok", .bool(true))]))
    }

    @Test(arguments: [#"{"ok":"#, #"{"ok":true} trailing"#, #"{"ok":true,"ok":false}"#, ""])
    func aResponseThatIsNotJSONIsAViolationNotAnError(response: String) throws {
        let check = try ResponseValidation.validate(schema: schema, response: response)
        #expect(!check.valid)
        #expect(check.value == nil)
        #expect(check.violations.first?.path == "$")
        #expect(check.violations.first?.message.hasPrefix("not JSON") == true)
    }

    @Test func aViolatingResponseYieldsNoValue() throws {
        let check = try ResponseValidation.validate(schema: schema, response: #"{"ok":true,"also":"rm -rf /"}"#)
        #expect(check.value == nil)
        #expect(check.violations == [SchemaViolation(path: "$.also", message: "member not allowed")])
    }

    @Test func anOversizedResponseIsRefusedUnread() throws {
        let big = "\"" + String(repeating: "a", count: ResponseValidation.maximumResponseBytes) + "\""
        let check = try ResponseValidation.validate(schema: #"{"type":"string"}"#, response: big)
        #expect(check.violations == [SchemaViolation(path: "$", message: "response too large")])
    }

    @Test func aBadSchemaIsTheCallersError() {
        #expect(throws: GuardError.self) { try ResponseValidation.validate(schema: "{", response: "{}") }
        #expect(throws: GuardError.self) { try ResponseValidation.validate(schema: #"{"oneOf":[]}"#, response: "{}") }
    }
}
