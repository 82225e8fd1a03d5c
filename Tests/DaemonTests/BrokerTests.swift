import Capabilities
import Foundation
import Testing

@testable import Daemon

@Suite("The Broker: file tools confined beneath the allowed directory")
struct BrokerTests {
    let broker = Broker()

    func sandbox() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aios-broker-\(UUID().uuidString)"
        )
        .path
        try FileManager.default.createDirectory(atPath: directory + "/allowed/sub", withIntermediateDirectories: true)
        try "secret".write(toFile: directory + "/outside.txt", atomically: true, encoding: .utf8)
        return directory
    }

    func failureCode(_ result: BrokerResult) -> String? {
        if case .failure(let failure) = result.outcome { return "\(failure.code)" }
        return nil
    }

    @Test("the root of a capability: below a prefix, an exact file's directory, everything")
    func roots() throws {
        #expect(BeneathPath.root(of: try Capability(parsing: "fs:write:/tmp/demo/*")) == "/tmp/demo")
        #expect(BeneathPath.root(of: try Capability(parsing: "fs:read:/etc/hosts")) == "/etc")
        #expect(BeneathPath.root(of: try Capability(parsing: "fs:read:*")) == "/")
        #expect(BeneathPath.root(of: try Capability(parsing: "fs:read:/*")) == "/")
    }

    @Test("write replaces atomically and keeps a backup; read, list, mkdir, delete work beneath the root")
    func fileTools() async throws {
        let base = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let write = try Capability(parsing: "fs:write:\(base)/allowed/*")
        let first = await broker.run(
            tool: "fs.write", arguments: ["path": "\(base)/allowed/a.txt", "content": "one"], allowedBy: write)
        #expect(first.details["backup_created"] == .bool(false))
        let second = await broker.run(
            tool: "fs.write", arguments: ["path": "\(base)/allowed/a.txt", "content": "two"], allowedBy: write)
        #expect(second.details == ["bytes_written": .int(3), "backup_created": .bool(true)])
        #expect(try String(contentsOfFile: "\(base)/allowed/a.txt", encoding: .utf8) == "two")
        #expect(try String(contentsOfFile: "\(base)/allowed/a.txt.bak", encoding: .utf8) == "one")
        let read = await broker.run(
            tool: "fs.read", arguments: ["path": "\(base)/allowed/a.txt"],
            allowedBy: try Capability(parsing: "fs:read:\(base)/allowed/*"))
        guard case .success(let bytes) = read.outcome else { Issue.record("read failed"); return }
        #expect(bytes == Array("two".utf8))
        let listing = await broker.run(
            tool: "fs.list", arguments: ["path": "\(base)/allowed"],
            allowedBy: try Capability(parsing: "fs:read:\(base)/allowed/*"))
        guard case .success(let names) = listing.outcome else { Issue.record("list failed"); return }
        #expect(String(decoding: names, as: UTF8.self) == "a.txt\na.txt.bak\nsub/\n")
        let made = await broker.run(
            tool: "fs.mkdir", arguments: ["path": "\(base)/allowed/new"],
            allowedBy: try Capability(parsing: "fs:mkdir:\(base)/allowed/*"))
        #expect(failureCode(made) == nil)
        let deleted = await broker.run(
            tool: "fs.delete", arguments: ["path": "\(base)/allowed/a.txt.bak"],
            allowedBy: try Capability(parsing: "fs:delete:\(base)/allowed/*"))
        #expect(failureCode(deleted) == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(base)/allowed/a.txt.bak"))
    }

    @Test(
        "symlinks out, .. past the root, /proc magic links and a symlinked root cannot escape",
        arguments: [
            "escape/outside.txt", "sub/../../outside.txt", "proc/root/etc/hostname", "abs/etc/hostname",
        ])
    func escapes(relative: String) async throws {
        let base = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createSymbolicLink(atPath: base + "/allowed/escape", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: base + "/allowed/proc", withDestinationPath: "/proc/self")
        try FileManager.default.createSymbolicLink(atPath: base + "/allowed/abs", withDestinationPath: "/")
        let read = await broker.run(
            tool: "fs.read", arguments: ["path": "\(base)/allowed/\(relative)"],
            allowedBy: try Capability(parsing: "fs:read:\(base)/allowed/*"))
        #expect(failureCode(read) == "permissionDenied", "\(relative): \(read.outcome)")
        let write = await broker.run(
            tool: "fs.write", arguments: ["path": "\(base)/allowed/\(relative)", "content": "x"],
            allowedBy: try Capability(parsing: "fs:write:\(base)/allowed/*"))
        #expect(failureCode(write) != nil)
        #expect(try String(contentsOfFile: base + "/outside.txt", encoding: .utf8) == "secret")
    }

    @Test("a root that is itself a symlink is refused")
    func symlinkedRoot() async throws {
        let base = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createSymbolicLink(atPath: base + "/linked", withDestinationPath: base + "/allowed")
        let result = await broker.run(
            tool: "fs.read", arguments: ["path": "\(base)/linked/sub"],
            allowedBy: try Capability(parsing: "fs:read:\(base)/linked/*"))
        #expect(failureCode(result) == "failedPrecondition")
    }

    @Test("process.spawn starts only allow-listed executables; process.kill checks the name")
    func processes() async throws {
        let refused = await broker.run(
            tool: "process.spawn", arguments: ["name": "sh"], allowedBy: try Capability(parsing: "process:spawn:*"))
        #expect(failureCode(refused) == "failedPrecondition")
        let allowed = Broker(executables: ["true": "/bin/true"])
        let started = await allowed.run(
            tool: "process.spawn", arguments: ["name": "true", "args": "[]"],
            allowedBy: try Capability(parsing: "process:spawn:*"))
        #expect(failureCode(started) == nil)
        let wrongName = await broker.run(
            tool: "process.kill", arguments: ["name": "nginx", "pid": "\(getpid())"],
            allowedBy: try Capability(parsing: "process:kill:*"))
        #expect(failureCode(wrongName) == "permissionDenied")
    }
}
