import Testing

@testable import Policy

@Suite("Policy: packages")
struct PackagePolicyTests {
    @Test("defaults: no repository, the refusing findings, the privilege-escalation paths protected")
    func defaults() throws {
        let packages = try SecurityPolicy.parse(yaml: "r:\n  capabilities: []\n", file: "p.yaml").packages
        #expect(packages.repositories.isEmpty && packages.root == "/")
        #expect(packages.refuse == [.protectedPath, .scriptProtectedPath, .forbidden, .pinMismatch])
        #expect(packages.protectedPaths.contains("/etc/sudoers"))
        #expect(packages.pip.popular.contains("requests"))
    }

    @Test("a full section is read as written")
    func full() throws {
        let yaml = """
            r:
              capabilities: []
            packages:
              root: /srv/image
              timeout: 5m
              max_download: 100m
              apt:
                repositories:
                  - {name: debian, uri: "http://deb.debian.org/debian", suite: bookworm, components: [main, contrib], key: /usr/share/keyrings/debian-archive-keyring.gpg}
              pip:
                index: https://pypi.org/simple
                environments: {tools: /opt/aios/venvs/tools}
                minimum_age: off
              forbidden: [telnetd]
              pinned: {openssl: 3.0.15-1~deb12u1}
              refuse: [setuid, typosquat]
              confirm: [install_script]
            """
        let packages = try SecurityPolicy.parse(yaml: yaml, file: "p.yaml").packages
        #expect(packages.root == "/srv/image" && packages.timeout.milliseconds == 300_000)
        #expect(packages.maximumDownload == 100 << 20)
        #expect(packages.repositories.first?.components == ["main", "contrib"])
        #expect(packages.pip.environments == ["tools": "/opt/aios/venvs/tools"] && packages.pip.minimumAge == nil)
        #expect(packages.forbidden == ["telnetd"] && packages.pinned == ["openssl": "3.0.15-1~deb12u1"])
        #expect(packages.refuse == [.setuid, .typosquat] && packages.confirm == [.installScript])
    }

    @Test(
        "bad settings are located errors",
        arguments: [
            ("packages:\n  root: relative\n", "p.yaml:2:9: packages.root: 'relative' must be an absolute path"),
            ("packages:\n  refuse: [everything]\n", "p.yaml:2:12: packages.refuse: 'everything' is not a finding"),
            ("packages:\n  forbidden: [\"rm -rf\"]\n", "p.yaml:2:15: packages.forbidden: 'rm -rf' is not a package"),
            ("packages:\n  timeout: 1s\n", "p.yaml:2:12: packages.timeout must be from 10s to 24h"),
            (
                "packages:\n  apt:\n    repositories:\n      - {name: x, uri: \"ftp://h/x\", suite: s, components: [main], key: /k}\n",
                "p.yaml:4:24: packages.apt.repositories[0].uri: 'ftp://h/x' must be an http:// or https://"
            ),
            (
                "packages:\n  apt:\n    repositories:\n      - {name: x, uri: \"http://h\", suite: s}\n",
                "p.yaml:4:9: packages.apt.repositories[0] needs name, uri, suite, components and key"
            ),
            ("packages:\n  pip: {environments: {tools: venv}}\n", "p.yaml:2:31: packages.pip.environments.tools"),
            ("packages:\n  sandbox_uid: 0\n", "p.yaml:2:16: packages.sandbox_uid must be an unused uid"),
            ("packages:\n  mirror: x\n", "p.yaml:2:3: unknown key 'mirror'"),
        ])
    func bad(yaml: String, expected: String) {
        expectIssue(snippet: yaml, expected)
    }
}
