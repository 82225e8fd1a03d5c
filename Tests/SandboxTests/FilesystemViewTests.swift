import Capabilities
import Foundation
import SecurityTesting
import Testing

@testable import Sandbox

@Suite("The agent's private filesystem and PID namespace")
struct FilesystemViewTests {
    // The view alone (no Landlock), so that listing / shows what exists; Landlock is tested on its own elsewhere.
    @Test(
        "only the runtime, the granted paths, a private /proc, /dev basics and a scratch /tmp exist",
        .requiresRoot("mount and PID namespaces"))
    func privateView() throws {
        let granted = "/var/tmp/aios-view-\(getpid())"
        try FileManager.default.createDirectory(atPath: granted, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: granted) }
        chown(granted, 61990, 61990)
        let (status, output) = try runConfined(
            """
            echo "root=$(ls / | tr '\\n' ' ')"
            echo "pids=$(ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' ')"
            echo "pid=$$"
            test -e /etc/shadow; echo "shadow=$?"
            test -e /home; echo "home=$?"
            touch /new 2>/dev/null; echo "write-root=$?"
            echo x > /tmp/scratch; echo "write-scratch=$?"
            echo x > \(granted)/f; echo "write-granted=$?"
            echo x > /usr/f 2>/dev/null; echo "write-runtime=$?"
            echo x > /dev/null; echo "dev-null=$?"
            """, capabilities: ["fs:write:\(granted)/*"], landlock: false)
        let results = probeResults(output)
        #expect(status == 0, "\(output)")
        let root = Set((results["root"] ?? "").split(separator: " ").map(String.init))
        #expect(root == ["bin", "dev", "lib", "lib64", "proc", "sbin", "tmp", "usr", "var", "etc"], "\(output)")
        // PID 1 is the reaper, the shell PID 2, `ls` a child of the shell: nothing of the host.
        #expect(results["pid"] == "2", "\(output)")
        #expect((results["pids"] ?? "").split(separator: " ").allSatisfy { Int($0)! < 10 }, "\(output)")
        #expect(results["shadow"] == "1" && results["home"] == "1", "\(output)")
        #expect(results["write-root"] != "0" && results["write-runtime"] != "0", "\(output)")
        #expect(results["write-scratch"] == "0" && results["write-granted"] == "0", "\(output)")
        #expect(results["dev-null"] == "0", "\(output)")
        #expect(FileManager.default.fileExists(atPath: granted + "/f"), "the grant is the host's directory")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/scratch"), "the scratch is the agent's own")
    }

    @Test(
        "the daemon's socket is the one socket reachable; other host sockets do not exist in the view",
        .requiresRoot("mount namespaces"))
    func daemonSocketOnly() throws {
        let directory = "/run/aios-view-test-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try UnixListener(path: directory + "/daemon.sock")
        let other = try UnixListener(path: directory + "/other.sock")
        _ = other
        let connect = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1]); s.sendall(b"hello"); print(sys.argv[2] + "=connected")
            except OSError as e:
                print(sys.argv[2] + "=" + type(e).__name__)
            """
        let (status, output) = try runConfined(
            """
            python3 -c '\(connect)' \(directory)/daemon.sock daemon
            python3 -c '\(connect)' \(directory)/other.sock other
            """, capabilities: [], daemonSocket: directory + "/daemon.sock")
        let results = probeResults(output)
        #expect(status == 0, "\(output)")
        #expect(results["daemon"] == "connected", "\(output)")
        #expect(results["other"] == "FileNotFoundError", "\(output)")
        #expect(daemon.acceptedBytes() == Array("hello".utf8))
    }

    @Test("a failing mount names itself, and nothing runs", .requiresRoot("mount namespaces"))
    func failingMount() throws {
        let view = FilesystemView(
            root: AgentConfinement.defaultViewRoot,
            mounts: [FilesystemView.Mount.bind("/nonexistent-\(getpid())", writable: false)])
        try FileManager.default.createDirectory(atPath: view.root, withIntermediateDirectories: true)
        let child = try PendingProcess(
            LaunchSpec(
                executable: "/bin/true", arguments: ["true"], environment: [], identity: nil,
                ownSessionKeyring: false, namespaces: .agent, filesystem: view))
        #expect {
            try child.release()
        } throws: { error in
            let text = "\(error)"
            return text.contains("building the private filesystem") && text.contains("/nonexistent-")
                && text.contains("No such file")
        }
        #expect(child.wait() == 127)
    }
}

/// A listening Unix socket that accepts one connection and reads what arrives.
final class UnixListener {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(descriptor, 4) == 0, chmod(path, 0o666) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    /// Accepts one connection (non-blocking: the client has already written) and reads it.
    func acceptedBytes() -> [UInt8] {
        _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
        let connection = accept(descriptor, nil, nil)
        guard connection >= 0 else { return [] }
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(connection, &buffer, buffer.count)
        return count > 0 ? Array(buffer[..<count]) : []
    }

    deinit { close(descriptor) }
}
