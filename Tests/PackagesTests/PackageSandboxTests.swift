import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Packages

/// What a package tool taken over by a hostile answer tries from inside the package sandbox.
@Suite("The package sandbox holds a hostile tool", .serialized)
struct PackageSandboxTests {
    func sandbox() throws -> (PackageSandbox, String, String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-box-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base + "/view", withIntermediateDirectories: true)
        let work = try Workspace.create(base + "/request", sandboxUID: PackagePolicy.defaultSandboxUID)
        let sandbox = PackageSandbox.make(
            policy: PackagePolicy(timeout: .seconds(30)), viewRoot: base + "/view", hidden: [])
        return (sandbox, base, work.path)
    }

    /// Runs a Python snippet in the sandbox, TCP connect allowed to `ports`; what it printed.
    func attempt(_ code: String, ports: Set<UInt16> = []) throws -> String {
        let (sandbox, base, work) = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let output = try sandbox.run(
            ["/usr/bin/python3", "-I", "-c", code], environment: ["HOME=\(work)"], work: work, ports: ports)
        return output.standardOutput + output.standardError
    }

    @Test("only the repositories' ports: a connection to another loopback port is refused by the kernel", .requiresRoot)
    func otherPortRefused() throws {
        let allowed = try LoopbackHTTPServer(serving: "/usr/share/doc/apt")
        let other = try LoopbackHTTPServer(serving: "/usr/share/doc/apt")
        let code = """
            import socket
            for port in (\(allowed.port), \(other.port)):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=5).close(); print(port, "open")
                except OSError as error:
                    print(port, "refused", error.errno)
            """
        let printed = try attempt(code, ports: [allowed.port])
        #expect(printed.contains("\(allowed.port) open"), "\(printed)")
        #expect(printed.contains("\(other.port) refused 13"), "EACCES from Landlock: \(printed)")
    }

    @Test("no secrets, no writes outside the work directory, no listening socket, no raw socket", .requiresRoot)
    func filesystemAndSockets() throws {
        let code = """
            import os, socket
            for path in ("/etc/shadow", "/root/.ssh", "/var/lib/aios"):
                try:
                    open(path).read(); print(path, "read")
                except OSError as error:
                    print(path, "denied")
            for path in ("/usr/bin/planted", "/tmp/../etc/planted", "/etc/cron.d/planted"):
                try:
                    open(path, "w").write("x"); print(path, "written")
                except OSError:
                    print(path, "denied")
            try:
                server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(); print("bind allowed")
            except OSError:
                print("bind denied")
            try:
                socket.socket(socket.AF_PACKET, socket.SOCK_RAW); print("raw allowed")
            except OSError:
                print("raw denied")
            print("uid", os.getuid())
            """
        let printed = try attempt(code)
        #expect(!printed.contains(" read\n") && !printed.contains(" written\n"), "\(printed)")
        #expect(printed.contains("bind denied") && printed.contains("raw denied"), "\(printed)")
        #expect(printed.contains("uid \(PackagePolicy.defaultSandboxUID)"), "\(printed)")
        #expect(!FileManager.default.fileExists(atPath: "/usr/bin/planted"))
    }

    @Test("a tool that never ends is killed at the deadline with everything it started", .requiresRoot)
    func deadline() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-box-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/view", withIntermediateDirectories: true)
        let work = try Workspace.create(base + "/request", sandboxUID: PackagePolicy.defaultSandboxUID)
        var sandbox = PackageSandbox.make(policy: PackagePolicy(), viewRoot: base + "/view", hidden: [])
        sandbox = PackageSandbox(
            viewRoot: sandbox.viewRoot, uid: sandbox.uid, runtime: sandbox.runtime, readable: sandbox.readable,
            hidden: [], timeout: .seconds(2))
        let output = try sandbox.run(
            ["/bin/sh", "-c", "sleep 1000 & sleep 1000"], environment: [], work: work.path, ports: [])
        #expect(output.status == 128 + SIGKILL)
    }

    @Test("copies out of the sandbox: never through a link, never a FIFO, never past the budget")
    func verifiedCopy() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-copy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createSymbolicLink(atPath: base + "/link.deb", withDestinationPath: "/etc/passwd")
        #expect(mkfifo(base + "/fifo.deb", 0o600) == 0)
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: base + "/big.deb"))
        var copier = VerifiedCopy(budget: 1024)
        #expect(throws: PackageError.self) { try copier.copy(base + "/link.deb", to: base + "/a") }
        #expect(throws: PackageError.self) { try copier.copy(base + "/fifo.deb", to: base + "/b") }
        #expect(throws: PackageError.verification("the download is larger than the policy's max_download")) {
            try copier.copy(base + "/big.deb", to: base + "/c")
        }
    }
}

/// The daemon's session keyring reaches the vault: a tool that inherited it (or any keyring but a new, empty one of
/// its own) could possess the daemon's secrets.
@Suite("The package sandbox holds no key of the daemon's", .serialized)
struct PackageSandboxKeyringTests {
    @Test("the sandboxed tool's session keyring is a new, empty one of its own", .requiresRoot)
    func ownSessionKeyring() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-box-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/view", withIntermediateDirectories: true)
        let work = try Workspace.create(base + "/request", sandboxUID: PackagePolicy.defaultSandboxUID)
        let sandbox = PackageSandbox.make(
            policy: PackagePolicy(timeout: .seconds(30)), viewRoot: base + "/view", hidden: [])
        let output = try sandbox.run(
            ["/bin/sh", "-c", "keyctl rdescribe @s; keyctl rlist @s; echo end"], environment: ["PATH=/usr/bin:/bin"],
            work: work.path, ports: [])
        let lines = output.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasSuffix(";_ses") == true, "an anonymous session keyring: \(output.standardOutput)")
        #expect(
            lines.dropFirst().filter { !$0.isEmpty } == ["end"],
            "holding nothing: \(output.standardOutput)\(output.standardError)")
    }
}
