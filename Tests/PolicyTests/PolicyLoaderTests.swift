import Capabilities
import Testing

@testable import Policy

@Suite("Policy files: located errors, nothing partially loaded")
struct PolicyLoaderTests {
    func issues(_ yaml: String) -> [String] {
        do {
            _ = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test("a bad capability is located at its exact character")
    func capabilityColumn() {
        let yaml = """
            r:
              capabilities:
                - fs:read:*
                - fs:write:/etc/
                - "net:connect:*x"
            """
        #expect(
            issues(yaml) == [
                "p.yaml:4:20: path pattern is not normalised: trailing '/' in capability 'fs:write:/etc/'",
                "p.yaml:5:20: '*' is only allowed as the whole pattern or a final '/*' in capability 'net:connect:*x'",
            ])
    }

    @Test(
        "each kind of mistake is an error with file:line:column",
        arguments: [
            ("r:\n  capabilities: []\n  colour: blue\n", "p.yaml:3:3: unknown key 'colour'"),
            ("r:\n  capabilities: []\nr:\n  capabilities: []\n", "p.yaml:1:1: duplicate key 'r'"),
            ("r:\n  capabilities: [a:b\n", "p.yaml:3:1: YAML"),
            ("r:\n  description: x\n", "p.yaml:2:3: role 'r' needs a 'capabilities' list"),
            ("r:\n  capabilities: fs:read:*\n", "p.yaml:2:17: capabilities of role 'r' must be a list"),
            ("- a\n- b\n", "p.yaml:1:1: a policy must be a mapping"),
            ("policy: {version: 2}\nr: {capabilities: []}\n", "p.yaml:1:19: unsupported policy version"),
            ("r: {capabilities: []}\nagents: {bob: {roles: [nope]}}\n", "p.yaml:2:24: unknown role 'nope'"),
            (
                "tools: {x: {capability: 'fs:read:{p}', risk: low}}\nr: {capabilities: []}\n",
                "placeholder {p} is not one of its args"
            ),
            ("tools: {x: {capability: 'fs:read:*', risk: low}}\nr: {capabilities: []}\n", "no '*'"),
            (
                "tools: {x: {capability: 'fs:read:{p}', risk: severe, args: {p: path}}}\nr: {capabilities: []}\n",
                "unknown risk 'severe'"
            ),
            (
                "tools: {x: {capability: 'fs:read:{p}', risk: low, args: {p: file}}}\nr: {capabilities: []}\n",
                "unknown argument kind 'file'"
            ),
            ("policy: {protected_paths: [var/lib]}\nr: {capabilities: []}\n", "must be absolute and normalised"),
            ("policy: {}\n", "the policy defines no roles"),
            ("r: {capabilities: [fs:read:*, fs:read:*]}\n", "listed twice"),
            ("'bad role': {capabilities: []}\n", "not a valid role name"),
            ("r: &a {capabilities: []}\ns: *a\n", "p.yaml:1:4: anchors and aliases are not allowed"),
            // An escaped backslash ends a double-quoted string: what follows is YAML again.
            ("d: \"x\\\\\"\nr: &a {capabilities: []}\ns: *a\n", "p.yaml:2:4: anchors and aliases are not allowed"),
            ("", "p.yaml:1:1: empty policy"),
            (
                "tools:\n  fs.write: {capability: \"fs:read:{path}\", risk: medium, args: {path: path, content: text}}\n",
                "p.yaml:2:3: 'fs.write' is a built-in tool",
            ),
            (
                "tools:\n  fs.delete: {capability: \"fs:delete:{path}\", risk: low, args: {path: path}}\n",
                "lower its risk"
            ),
        ])
    func located(_ yaml: String, _ expected: String) {
        let found = issues(yaml)
        #expect(found.contains { $0.contains(expected) }, "\(found)")
    }

    @Test("all problems are reported at once, in file order")
    func allProblems() {
        let yaml = "a:\n  capabilities: [fs:read:x]\n  extra: 1\nb:\n  capabilities: [':x']\n"
        let found = issues(yaml)
        #expect(found.count == 3)
        #expect(found.map { $0.split(separator: ":")[1] } == ["2", "3", "5"])
    }

    @Test("optional additions: agents with roles, tool overrides, ceilings, protected paths")
    func additions() throws {
        let yaml = """
            policy: {version: 1, protected_paths: [/srv/aios]}
            aios-agent-task:
              capabilities: []
            builder:
              capabilities: [fs:read:/src/*]
              grant_ceiling: {allow: ['fs:*:/build/*'], exclude: [fs:delete:/build/*]}
            agents:
              task-42: {roles: [aios-agent-task, builder]}
            tools:
              fs.read: {capability: "fs:read:{path}", risk: medium, args: {path: path}}
              build.run: {capability: "process:spawn:make", risk: high}
            """
        let policy = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml")
        #expect(policy.protectedPaths == ["/srv/aios"])
        #expect(policy.agents["task-42"] == [RoleMembership(role: "aios-agent-task"), RoleMembership(role: "builder")])
        #expect(policy.tools.tools["fs.read"]?.risk == .medium)
        #expect(policy.tools.tools["build.run"]?.risk == .high)
        #expect(policy.tools.tools["fs.write"] != nil, "the built-in catalogue is kept")
        let builder = try #require(policy.role(named: "builder"))
        #expect(
            builder.ceiling.excluded.map(\.description) == ["fs:delete:/build/*", "fs:*:/srv/aios", "fs:*:/srv/aios/*"])
        let task = try #require(policy.role(named: "aios-agent-task"))
        #expect(task.ceiling.allowed.map(\.description).contains("pkg:install:*"), "the built-in task ceiling applies")
    }
}

@Suite("Anchors and aliases are refused before composing")
struct AliasScannerTests {
    @Test(
        "anchors and aliases are found at node starts only",
        arguments: [
            ("a: &x 1\n", 1, 4), ("a: *x\n", 1, 4), ("- *x\n", 1, 3), ("a: [b, *x]\n", 1, 8), ("a: {b: &x c}\n", 1, 8),
            ("a:\n  - &x b\n", 2, 5), ("&x a: b\n", 1, 1),
            ("d: \"x\\\\\"\ne: &x [1]\n", 2, 4), ("d: 'it''s'\ne: *x\n", 2, 4), ("d: \"a\\\"b\" # x\ne: *x\n", 2, 4),
            ("d: |\n  text\ne: *x\n", 3, 4), ("? &x k\n: v\n", 1, 3), ("a: !!str &x b\n", 1, 4),
        ])
    func found(_ yaml: String, _ line: Int, _ column: Int) {
        let position = AliasScanner.firstAnchorOrAlias(in: yaml)
        #expect(position?.line == line && position?.column == column)
    }

    @Test(
        "capabilities, quoted text and comments are not mistaken for them",
        arguments: [
            "r:\n  capabilities:\n    - fs:read:*\n    - fs:write:/etc/*\n", "r: {capabilities: [fs:read:*, net:*]}\n",
            "a: 'x, *y'\n", "a: \"&b\"\n", "a: b # *c &d\n", "# &x\n", "a: b&c\n", "a: -*\n",
            "a: \"it's, *\"\n",
        ])
    func notFound(_ yaml: String) {
        #expect(AliasScanner.firstAnchorOrAlias(in: yaml) == nil)
    }

    @Test("billion laughs after an escaped backslash is refused with its place, before anything is composed")
    func billionLaughs() {
        var yaml = "d: \"x\\\\\"\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...12 {
            yaml +=
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        yaml += "r: {capabilities: []}\n"
        #expect(throws: PolicyError.self) { try SecurityPolicy.parse(yaml: yaml, file: "p.yaml") }
        do {
            _ = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml")
        } catch {
            #expect(
                error.issues.map(\.description) == ["p.yaml:2:5: anchors and aliases are not allowed in policy files"])
        }
    }
}
