import Policy
import Testing

@Suite("File integrity: the ids.files watch set in policy YAML")
struct FIMPolicyTests {
    static let role = "aios-agent-network:\n  capabilities: []\n"

    @Test("without ids.files the default watch set covers /etc and the system's binaries")
    func defaults() throws {
        let policy = try SecurityPolicy.parse(yaml: Self.role, file: "p.yaml")
        #expect(policy.ids.files == .default)
        #expect(policy.ids.files.entries.map(\.path).starts(with: ["/etc", "/usr/bin", "/usr/sbin"]))
        #expect(SecurityPolicy.builtin().ids.files == .default)
    }

    @Test("entries are read with named sets, rule lists, excludes and sizes")
    func read() throws {
        let yaml =
            Self.role + """
                ids:
                  files:
                    - path: /etc
                      exclude: [/etc/mtab]
                    - {path: /var/log, rules: permissions}
                    - {path: /opt/app, rules: [content, mode, mtime], max_size: 2G}
                """
        let files = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").ids.files
        #expect(files.entries.map(\.path) == ["/etc", "/var/log", "/opt/app"])
        #expect(files.entries[0].rules == .full && files.entries[0].exclude == ["/etc/mtab"])
        #expect(files.entries[1].rules == .permissions)
        #expect(files.entries[2].rules == [.content, .mode, .mtime] && files.entries[2].maxHashSize == 2 << 30)
        #expect(
            try SecurityPolicy.parse(yaml: Self.role + "ids:\n  files: []\n", file: "p.yaml").ids.files.entries == [])
    }

    @Test(
        "a bad watch set is refused with the position of each problem",
        arguments: [
            (
                "ids:\n  files:\n    - {path: /etc, rules: [content, sha1]}\n",
                "p.yaml:5:37: ids.files '/etc' rules: unknown rule 'sha1'"
            ),
            ("ids:\n  files:\n    - path: etc\n", "p.yaml:5:13: ids.files.path: 'etc' must be an absolute path"),
            ("ids:\n  files:\n    - path: /usr/../etc\n", "p.yaml:5:13: ids.files.path: '/usr/../etc' must be"),
            (
                "ids:\n  files:\n    - {path: /etc, exclude: [/var]}\n",
                "p.yaml:5:30: ids.files '/etc' exclude: '/var' is not beneath"
            ),
            (
                "ids:\n  files:\n    - {path: /etc}\n    - {path: /etc}\n",
                "p.yaml:6:7: ids.files: '/etc' is listed twice"
            ),
            (
                "ids:\n  files:\n    - {path: /etc, rules: most}\n",
                "p.yaml:5:27: ids.files '/etc' rules: unknown rule set 'most'"
            ),
            ("ids:\n  files:\n    - {rules: full}\n", "p.yaml:5:7: an entry of ids.files needs a 'path'"),
            (
                "ids:\n  files:\n    - {path: /etc, max_size: 0}\n",
                "p.yaml:5:30: ids.files '/etc' max_size must be a positive"
            ),
            ("ids:\n  files:\n    - {path: /etc, hash: sha256}\n", "p.yaml:5:20: unknown key 'hash'"),
            ("ids:\n  files: /etc\n", "p.yaml:4:10: ids.files must be a list"),
        ])
    func badWatchSet(yaml: String, expected: String) {
        #expect {
            try SecurityPolicy.parse(yaml: Self.role + yaml, file: "p.yaml")
        } throws: { error in
            let text = "\(error)"
            let found = text.contains(expected)
            if !found { Issue.record("got: \(text)") }
            return found
        }
    }
}
