import Foundation
import SecurityTesting
import Testing

@testable import Sandbox

@Suite("Namespaces of the agent's own")
struct NamespaceTests {
    @Test(
        "in its network namespace the child sees only a loopback device; the host keeps its own",
        .requiresRoot("unshare(CLONE_NEWNET)"))
    func network() throws {
        let output = Pipe()
        let child = try PendingProcess(
            LaunchSpec(
                executable: "/bin/cat", arguments: ["cat", "/proc/self/net/dev"], environment: [], identity: nil,
                ownSessionKeyring: false, standardOutput: output.fileHandleForWriting.fileDescriptor,
                namespaces: .agent))
        try child.release()
        try output.fileHandleForWriting.close()
        let seen = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(child.wait() == 0)
        // /proc/self/net/dev lists the interfaces of the reader's network namespace (two header lines first).
        func interfaces(_ table: String) -> [String] {
            table.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: ":").first }.map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        #expect(interfaces(seen) == ["lo"], "\(seen)")
        let host = try String(contentsOfFile: "/proc/self/net/dev", encoding: .utf8)
        #expect(interfaces(host).count > 1, "the host's own interfaces are untouched")
    }
}
