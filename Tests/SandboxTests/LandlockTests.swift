import Capabilities
import Foundation
import Testing

@testable import Sandbox

/// A runtime base set like the policy's default.
let testRuntime = ["/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc/ld.so.cache"]

@Suite("Landlock rules compiled from fs: capabilities, enforced on a real child")
struct LandlockTests {
    @Test("read, write and mkdir rights land on the directories the capabilities name, merged, plus the runtime")
    func compile() throws {
        let rules = LandlockRule.compile(
            [
                try Capability(parsing: "fs:read:/var/log/*"), try Capability(parsing: "fs:write:/etc/nginx/*"),
                try Capability(parsing: "fs:mkdir:/etc/nginx/*"), try Capability(parsing: "net:connect:*"),
            ], runtime: testRuntime)
        let byPath = Dictionary(uniqueKeysWithValues: rules.map { ($0.path, $0.access) })
        #expect(byPath["/var/log"] == .read)
        #expect(byPath["/etc/nginx"] == LandlockAccess.write.union(.read).union(.mkdir))
        #expect(byPath["/usr"] == .runtime)
        #expect(!byPath.keys.contains("/"), "no capability reaches /")
    }

    @Test("the child writes where fs:write allows, and nowhere else; reads only what is allowed")
    func enforced() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-landlock-\(UUID().uuidString)")
            .path
        for sub in ["allowed", "denied"] {
            try FileManager.default.createDirectory(atPath: base + "/" + sub, withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(atPath: base) }
        try "secret".write(toFile: base + "/denied/secret", atomically: true, encoding: .utf8)
        let rules = LandlockRule.compile(
            [
                try Capability(parsing: "fs:write:\(base)/allowed/*"), try Capability(parsing: "fs:read:/etc/*"),
            ], runtime: testRuntime)
        let output = Pipe()
        let child = try PendingProcess(
            LaunchSpec(
                executable: "/bin/sh",
                arguments: [
                    "sh", "-c",
                    """
                    echo ok > \(base)/allowed/f; echo "write-allowed=$?"
                    echo no > \(base)/denied/f; echo "write-denied=$?"
                    cat /etc/hostname >/dev/null; echo "read-etc=$?"
                    cat \(base)/denied/secret >/dev/null; echo "read-denied=$?"
                    """,
                ], environment: ["PATH=/usr/bin:/bin"], identity: nil, ownSessionKeyring: false,
                standardOutput: output.fileHandleForWriting.fileDescriptor, landlock: rules))
        try child.release()
        try output.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = child.wait()
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains("write-allowed=0"), "\(text)")
        #expect(lines.contains { $0.hasPrefix("write-denied=") && $0 != "write-denied=0" }, "\(text)")
        #expect(lines.contains("read-etc=0"), "\(text)")
        #expect(lines.contains { $0.hasPrefix("read-denied=") && $0 != "read-denied=0" }, "\(text)")
        #expect(!FileManager.default.fileExists(atPath: base + "/denied/f"))
    }
}
