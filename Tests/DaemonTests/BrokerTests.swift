import Capabilities
import Foundation
import SecurityTesting
import Testing

@testable import Daemon

/// The Broker's file work runs on a thread the kernel confines (a private mount namespace, Landlock): root only.
@Suite("The Broker: file tools confined beneath the allowed directory", .requiresRoot)
struct BrokerTests {
    let broker = Broker(
        protected: ProtectedPaths(
            stateDirectory: "/nonexistent-aios-state", ledgerDirectory: "/nonexistent-aios-state", policyFile: nil),
        backups: BackupStore(directory: FileManager.default.temporaryDirectory.path + "/aios-broker-backups"))

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
            tool: "fs.write", arguments: ["path": "\(base)/allowed/a.txt", "content": "one"], allowedBy: write,
            for: "aios-agent-task")
        #expect(first.details["backup_created"] == .bool(false))
        let second = await broker.run(
            tool: "fs.write", arguments: ["path": "\(base)/allowed/a.txt", "content": "two"], allowedBy: write,
            for: "aios-agent-task")
        // The previous content is in the backup store, named by its hash — not beside the file.
        let oneDigest = "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed"
        #expect(
            second.details == [
                "bytes_written": .int(3), "backup_created": .bool(true), "backup_sha256": .string(oneDigest),
                "previous_bytes": .int(3),
            ])
        #expect(try String(contentsOfFile: "\(base)/allowed/a.txt", encoding: .utf8) == "two")
        #expect(try String(contentsOfFile: broker.backups.directory + "/" + oneDigest, encoding: .utf8) == "one")
        let read = await broker.run(
            tool: "fs.read", arguments: ["path": "\(base)/allowed/a.txt"],
            allowedBy: try Capability(parsing: "fs:read:\(base)/allowed/*"), for: "aios-agent-task")
        guard case .success(let bytes) = read.outcome else { Issue.record("read failed"); return }
        #expect(bytes == Array("two".utf8))
        let listing = await broker.run(
            tool: "fs.list", arguments: ["path": "\(base)/allowed"],
            allowedBy: try Capability(parsing: "fs:read:\(base)/allowed/*"), for: "aios-agent-task")
        guard case .success(let names) = listing.outcome else { Issue.record("list failed"); return }
        #expect(String(decoding: names, as: UTF8.self) == "a.txt\nsub/\n")
        let made = await broker.run(
            tool: "fs.mkdir", arguments: ["path": "\(base)/allowed/new"],
            allowedBy: try Capability(parsing: "fs:mkdir:\(base)/allowed/*"), for: "aios-agent-task")
        #expect(failureCode(made) == nil)
        let deleted = await broker.run(
            tool: "fs.delete", arguments: ["path": "\(base)/allowed/a.txt"],
            allowedBy: try Capability(parsing: "fs:delete:\(base)/allowed/*"), for: "aios-agent-task")
        #expect(failureCode(deleted) == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(base)/allowed/a.txt"))
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
            allowedBy: try Capability(parsing: "fs:read:\(base)/allowed/*"), for: "aios-agent-task")
        #expect(failureCode(read) == "permissionDenied", "\(relative): \(read.outcome)")
        let write = await broker.run(
            tool: "fs.write", arguments: ["path": "\(base)/allowed/\(relative)", "content": "x"],
            allowedBy: try Capability(parsing: "fs:write:\(base)/allowed/*"), for: "aios-agent-task")
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
            allowedBy: try Capability(parsing: "fs:read:\(base)/linked/*"), for: "aios-agent-task")
        #expect(failureCode(result) == "failedPrecondition")
    }

    @Test("process.spawn: only allow-listed programs, arguments matching their pattern, never without confinement")
    func spawnRefusals() async throws {
        let spawn = try Capability(parsing: "process:spawn:*")
        let refused = await broker.run(
            tool: "process.spawn", arguments: ["name": "sh"], allowedBy: spawn, for: "aios-agent-task")
        #expect(failureCode(refused) == "failedPrecondition")
        let listed = Broker(
            executables: ["find": try AllowedExecutable(path: "/usr/bin/find")],
            protected: ProtectedPaths(
                stateDirectory: "/nonexistent-aios-state", ledgerDirectory: "/nonexistent-aios-state", policyFile: nil),
            backups: broker.backups)
        for arguments in [
            #"["/tmp", "-maxdepth", "0", "-exec", "/bin/sh", "-c", "id", ";"]"#, #"["/tmp", "-fprint", "/etc/x"]"#,
            #"["/tmp; id"]"#, #"["$(id)"]"#,
        ] {
            let result = await listed.run(
                tool: "process.spawn", arguments: ["name": "find", "args": arguments], allowedBy: spawn,
                for: "aios-agent-task")
            #expect(failureCode(result) == "permissionDenied", "\(arguments)")
        }
        // A well-formed call still never runs unconfined: this Broker has no spawner.
        let plain = await listed.run(
            tool: "process.spawn", arguments: ["name": "find", "args": #"["/tmp", "-maxdepth", "0"]"#],
            allowedBy: spawn, for: "aios-agent-task")
        #expect(failureCode(plain) == "failedPrecondition")
    }

    @Test("process.kill signals only what the agent started through the Broker, never by name")
    func killRefusals() async throws {
        let kill = try Capability(parsing: "process:kill:*")
        for (name, pid) in [("aios-sec", getpid()), ("init", 1 as Int32), ("anything", getppid())] {
            let result = await broker.run(
                tool: "process.kill", arguments: ["name": name, "pid": "\(pid)"], allowedBy: kill,
                for: "aios-agent-task")
            #expect(failureCode(result) != nil, "\(name) \(pid)")
        }
    }
}
