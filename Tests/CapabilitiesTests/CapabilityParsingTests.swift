import Testing

@testable import Capabilities

@Suite("Capability grammar")
struct CapabilityParsingTests {
    @Test(
        "every example of the spec parses and prints back unchanged",
        arguments: [
            "fs:read:*", "fs:read:/etc/*", "fs:write:/etc/nginx/*", "fs:write:/var/log/*", "process:spawn:nginx",
            "process:kill:*", "net:listen:80", "net:listen:443", "net:connect:*", "pkg:install:*", "sec:audit:*",
            "service:*", "config:*", "process:list:*", "net:connect:10.0.0.5:5432", "process:list", "fs:read:/",
            "fs:write:/*",
        ])
    func specExamplesRoundTrip(_ text: String) throws {
        let capability = try Capability(parsing: text)
        #expect(capability.description == text)
    }

    @Test("the resource is everything after the second colon")
    func resourceMayContainColons() throws {
        let capability = try Capability(parsing: "net:connect:10.0.0.5:5432")
        #expect(capability.namespace == "net")
        #expect(capability.action == "connect")
        #expect(capability.resource == .exact("10.0.0.5:5432"))
    }

    @Test("'*' as action means every action; no resource part differs from '*' only in how it is written")
    func wildcards() throws {
        #expect(try Capability(parsing: "net:*").action == nil)
        #expect(try Capability(parsing: "process:list").resource == .unrestricted)
        #expect(try Capability(parsing: "process:list:*").resource == .any)
        #expect(try Capability(parsing: "fs:read:/etc/*").resource == .below("/etc/"))
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let text: String
        let column: Int
        let code: CapabilityError.Code
        var testDescription: String { "'\(printable(text))' → column \(column)" }
    }

    @Test(
        "malformed capabilities are rejected with the column and the reason",
        arguments: [
            Malformed(text: "", column: 1, code: .empty),
            Malformed(text: "net", column: 4, code: .missingAction),
            Malformed(text: ":read", column: 1, code: .emptyNamespace),
            Malformed(text: "fs:", column: 4, code: .emptyAction),
            Malformed(text: "fs:read:", column: 9, code: .emptyResource),
            Malformed(text: "f s:read", column: 2, code: .invalidNamespaceCharacter),
            Malformed(text: "*:read", column: 1, code: .misplacedWildcard),
            Malformed(text: "fs:re*d", column: 6, code: .misplacedWildcard),
            Malformed(text: "fs:read:/etc/*.conf", column: 14, code: .misplacedWildcard),
            Malformed(text: "fs:read:/etc/**", column: 14, code: .misplacedWildcard),
            Malformed(text: "net:connect:*x", column: 13, code: .misplacedWildcard),
            Malformed(text: "fs:read:etc/*", column: 9, code: .relativePath),
            Malformed(text: "fs:read:nginx", column: 9, code: .relativePath),
            Malformed(text: "fs:read:/etc/\0x", column: 14, code: .nulByte),
            Malformed(text: "fs:read:/etc/\u{1B}", column: 14, code: .controlCharacter),
            Malformed(text: "fs:write:/etc/", column: 14, code: .unnormalisedPath),
            Malformed(text: "fs:write:/etc//x", column: 15, code: .unnormalisedPath),
            Malformed(text: "fs:write:/opt/../etc/*", column: 15, code: .unnormalisedPath),
            Malformed(text: "fs:write:/./x", column: 11, code: .unnormalisedPath),
            Malformed(text: "fs:write://*", column: 11, code: .unnormalisedPath),
            Malformed(text: " fs:read:*", column: 1, code: .surroundingWhitespace),
            Malformed(text: "fs:read:/x ", column: 11, code: .surroundingWhitespace),
        ])
    func malformed(_ example: Malformed) {
        #expect(throws: CapabilityError.make(example.code, example.text, column: example.column, "")) {
            try Capability(parsing: example.text)
        }
    }

    @Test("an error message names the column, the reason and the capability, with control characters escaped")
    func errorMessage() {
        do {
            _ = try Capability(parsing: "fs:read:/etc/\0")
            Issue.record("a NUL byte must be rejected")
        } catch {
            #expect(error.description == "column 14: NUL byte in capability 'fs:read:/etc/\\u{0}'")
        }
    }

    @Test("token namespaces accept relative resources; only path namespaces need absolute paths")
    func tokensAreOpaque() throws {
        #expect(try Capability(parsing: "config:read:app/x").resource == .exact("app/x"))
        #expect(try Capability(parsing: "config:read:app/*").resource == .below("app/"))
    }

    @Test("an overlong capability is rejected")
    func overlong() {
        let text = "fs:read:/" + String(repeating: "a", count: Capability.maximumLength)
        #expect(throws: CapabilityError.self) { try Capability(parsing: text) }
    }
}
