import Testing

@testable import Capabilities

@Suite("Lexical path normalisation (aios-cap-v1)")
struct PathNormalizerTests {
    @Test(
        "paths normalise as the reference does",
        arguments: [
            ("/etc/../root/x", "/root/x"), ("/etc/", "/etc"), ("/", "/"), ("//", "/"), ("/..", "/"),
            ("/a/./b//c/", "/a/b/c"), ("a/../b", "a/../b"), ("/../etc/x", "/etc/x"), ("/etc/./a/../b", "/etc/b"),
            ("/etc/a/../../root", "/root"), ("/opt/app7/etc//app.conf", "/opt/app7/etc/app.conf"), ("", ""),
            ("/.hidden/..x/...", "/.hidden/..x/..."), ("/a/b/.", "/a/b"), ("/a/b/..", "/a"),
        ])
    func normalises(_ input: String, _ expected: String) {
        #expect(PathNormalizer.normalize(input) == expected)
    }

    @Test(
        "a request knows when its resource needs normalising",
        arguments: [
            ("/etc/passwd", false), ("/", false), ("/etc/", true), ("//etc", true), ("/a/./b", true),
            ("/a/..", true), ("/a/.b", false), ("/a/..b", false), ("nginx", false), ("", false), ("a//b", false),
        ])
    func detectsNormalisation(_ resource: String, _ needed: Bool) throws {
        let request = try AccessRequest(namespace: "fs", action: "read", resource: resource)
        #expect(request.needsNormalization == needed)
        #expect(request.normalizedResource == PathNormalizer.normalize(resource))
    }

    @Test("a NUL byte in any field is an error, not a decision")
    func nulIsAnError() {
        #expect(throws: AccessRequestError.nulByte(field: "resource", offset: 4)) {
            try AccessRequest(namespace: "fs", action: "read", resource: "/etc\0/x")
        }
        #expect(throws: AccessRequestError.nulByte(field: "action", offset: 1)) {
            try AccessRequest(namespace: "fs", action: "r\0", resource: "/x")
        }
        #expect(throws: AccessRequestError.emptyField("namespace")) {
            try AccessRequest(namespace: "", action: "read", resource: "/x")
        }
    }
}
