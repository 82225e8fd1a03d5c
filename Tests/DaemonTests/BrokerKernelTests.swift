import CFileAccess
import Capabilities
import Foundation
import Glibc
import SecurityTesting
import Testing

@testable import Daemon

/// The Broker handed allowances the Gate would never give: the kernel still refuses. Each case was a real
/// break of the Broker when it acted as an unconfined root.
@Suite("The Broker under attack: protected state, kernel confinement, FIFOs, setuid files", .requiresRoot)
struct BrokerKernelTests {
    let base: String
    let broker: Broker

    init() throws {
        base =
            FileManager.default.temporaryDirectory.appendingPathComponent("aios-broker-kernel-\(UUID().uuidString)")
            .path
        for directory in ["/state/identities/orchestrator", "/state/audit", "/data"] {
            try FileManager.default.createDirectory(atPath: base + directory, withIntermediateDirectories: true)
        }
        try "PRIVATE KEY".write(
            toFile: base + "/state/identities/orchestrator/key.pem", atomically: true, encoding: .utf8)
        try "policy".write(toFile: base + "/policy.yaml", atomically: true, encoding: .utf8)
        broker = Broker(
            protected: ProtectedPaths(
                stateDirectory: base + "/state", ledgerDirectory: base + "/state/audit",
                policyFile: base + "/policy.yaml"),
            backups: BackupStore(directory: base + "/backups"))
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: base) }

    func run(_ tool: String, _ arguments: [String: String], _ capability: String) async throws -> BrokerResult {
        await broker.run(
            tool: tool, arguments: arguments, allowedBy: try Capability(parsing: capability), for: "aios-agent-system")
    }

    func output(_ result: BrokerResult) -> String? {
        if case .success(let bytes) = result.outcome { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    @Test(
        "fs:read:* does not reach the daemon's keys, policy, /proc or devices, by any path",
        arguments: [
            "/state/identities/orchestrator/key.pem", "/state/./identities/../identities/orchestrator/key.pem",
            "/policy.yaml", "/data/link-to-state/identities/orchestrator/key.pem",
        ])
    func protectedState(path: String) async throws {
        defer { cleanUp() }
        // A relative symlink an agent could plant in a directory it may write: it resolves beneath "/".
        try FileManager.default.createSymbolicLink(
            atPath: base + "/data/link-to-state", withDestinationPath: "../state")
        let result = try await run("fs.read", ["path": base + path], "fs:read:*")
        #expect(output(result) == nil, "\(path) was read: \(result.outcome)")
    }

    @Test(
        "the daemon's /proc (environment, descriptors) and devices are not served",
        arguments: [
            "/proc/self/environ", "/proc/thread-self/environ", "/proc/\(getpid())/environ", "/proc/1/environ",
            "/dev/zero", "/sys/kernel/hostname",
        ])
    func kernelInterfaces(path: String) async throws {
        defer { cleanUp() }
        let result = try await run("fs.read", ["path": path], "fs:read:*")
        #expect(output(result) == nil, "\(path) was read")
    }

    @Test("the kernel refuses what the allowing capability does not grant, even if the Broker's code tried")
    func landlockHoldsTheBroker() async throws {
        defer { cleanUp() }
        try "data".write(toFile: base + "/data/file", atomically: true, encoding: .utf8)
        let confinement = BrokerConfinement(masks: [])
        let directory = base + "/data"
        let outcome = await confinement.run { () throws(BrokerResult.Failure) -> [Int32] in
            let root = directory.withCString { aios_open_beneath_root($0) }
            try BrokerConfinement.restrict([.init(descriptor: root, access: [.readFile])])
            let reads = open(directory + "/file", O_RDONLY)
            let readErrno = reads >= 0 ? 0 : errno
            let writes = open(directory + "/file", O_WRONLY)
            let writeErrno = writes >= 0 ? 0 : errno
            let outside = open("/etc/hostname", O_RDONLY)
            let outsideErrno = outside >= 0 ? 0 : errno
            return [readErrno, writeErrno, outsideErrno]
        }
        guard case .success(let errors) = outcome else { Issue.record("\(outcome)"); return }
        #expect(errors == [0, EACCES, EACCES])
        // Only that thread was confined: the daemon's own threads still reach everything.
        #expect(FileManager.default.isReadableFile(atPath: "/etc/hostname"))
    }

    @Test("a FIFO is refused at once (nothing blocks), for reading and writing")
    func fifo() async throws {
        defer { cleanUp() }
        #expect(mkfifo(base + "/data/fifo", 0o666) == 0)
        let reads = try await withThrowingTaskGroup(of: BrokerResult.self) { group in
            for _ in 0..<8 { group.addTask { try await run("fs.read", ["path": base + "/data/fifo"], "fs:read:*") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in reads {
            guard case .failure(let failure) = result.outcome else { Issue.record("read a FIFO"); continue }
            #expect(failure.code == .failedPrecondition && failure.message.contains("FIFO"))
        }
        let write = try await run("fs.write", ["path": base + "/data/fifo", "content": "x"], "fs:write:\(base)/data/*")
        #expect(output(write) == nil)
    }

    @Test("a write clears setuid and setgid and keeps the owner; nothing lands beside an exactly-granted file")
    func writeKeepsOwnerClearsSetuid() async throws {
        defer { cleanUp() }
        let target = base + "/data/tool"
        try "#!/bin/sh\n".write(toFile: target, atomically: true, encoding: .utf8)
        #expect(chown(target, 65534, 65534) == 0 && chmod(target, 0o6755) == 0)
        let result = try await run("fs.write", ["path": target, "content": "agent content"], "fs:write:\(target)")
        #expect(output(result) == "", "\(result.outcome)")
        var status = stat()
        #expect(stat(target, &status) == 0)
        #expect(status.st_uid == 65534 && status.st_gid == 65534)
        #expect(status.st_mode & 0o7777 == 0o755)
        let names = try FileManager.default.contentsOfDirectory(atPath: base + "/data")
        #expect(names == ["tool"], "only the granted file changed: \(names)")
    }
}
