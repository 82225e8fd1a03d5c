import Foundation
import Synchronization

@testable import Firewall

/// Three network namespaces made for one test and deleted after it: `fw` (the machine under test) with a veth to
/// `mgmt` (10.99.0.0/24, fd99::/64; fw is .1, mgmt .2) and one to `ext` (10.98.0.0/24; fw .1, ext .2). Nothing
/// touches the host's own network; every process started here is ended by its pid.
final class TestNetwork {
    private static let counter = Mutex(0)
    let fw: String
    let mgmt: String
    let ext: String
    private var processes: [Process] = []
    private let scripts: String

    init() throws {
        let number = Self.counter.withLock { value -> Int in
            value += 1
            return value
        }
        let base = "aios-fw-\(getpid())-\(number)"
        (fw, mgmt, ext) = (base + "-fw", base + "-mgmt", base + "-ext")
        scripts = NSTemporaryDirectory() + base
        try FileManager.default.createDirectory(atPath: scripts, withIntermediateDirectories: true)
        for (name, text) in TestScripts.all {
            try text.write(toFile: scripts + "/" + name, atomically: true, encoding: .utf8)
        }
        do {
            for namespace in [fw, mgmt, ext] {
                try run(["ip", "netns", "add", namespace])
                try run(["ip", "-n", namespace, "link", "set", "lo", "up"])
            }
            try link(peer: mgmt, local: "m0", remote: "m1", subnet: "10.99.0", v6: "fd99::")
            try link(peer: ext, local: "e0", remote: "e1", subnet: "10.98.0", v6: "fd98::")
        } catch {
            close()
            throw error
        }
    }

    private func link(peer: String, local: String, remote: String, subnet: String, v6: String) throws {
        try run(["ip", "-n", fw, "link", "add", local, "type", "veth", "peer", "name", remote, "netns", peer])
        try run(["ip", "-n", fw, "addr", "add", subnet + ".1/24", "dev", local])
        try run(["ip", "-n", fw, "addr", "add", v6 + "1/64", "dev", local, "nodad"])
        try run(["ip", "-n", peer, "addr", "add", subnet + ".2/24", "dev", remote])
        try run(["ip", "-n", peer, "addr", "add", v6 + "2/64", "dev", remote, "nodad"])
        try run(["ip", "-n", fw, "link", "set", local, "up"])
        try run(["ip", "-n", peer, "link", "set", remote, "up"])
    }

    /// Ends every process this network started (by pid) and deletes the namespaces and scripts.
    func close() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        processes = []
        for namespace in [fw, mgmt, ext] { _ = try? run(["ip", "netns", "del", namespace], check: false) }
        try? FileManager.default.removeItem(atPath: scripts)
    }

    deinit { close() }

    /// Runs a command to the end; its exit status and output (stdout and stderr together).
    @discardableResult
    func run(_ arguments: [String], check: Bool = true) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if check && process.terminationStatus != 0 {
            throw TestNetworkError("\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(output)")
        }
        return (process.terminationStatus, output)
    }

    /// Where a helper script of ``TestScripts`` was written.
    func scriptPath(_ name: String) -> String { scripts + "/" + name }

    /// Runs a command inside a namespace.
    @discardableResult
    func exec(_ namespace: String, _ arguments: [String], check: Bool = false) throws -> (status: Int32, output: String)
    {
        try run(["ip", "netns", "exec", namespace] + arguments, check: check)
    }

    /// Starts one of the helper scripts in a namespace and leaves it running until ``close()``; waits until it
    /// prints its first line (ready).
    func start(_ namespace: String, script: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace, "python3", "-u", scripts + "/" + script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        processes.append(process)
        let line = pipe.fileHandleForReading.availableLineOrEnd()
        guard line.hasPrefix("ready") else { throw TestNetworkError("\(script) did not start: \(line)") }
    }

    /// Tries `count` TCP connections from `namespace` to host:port (each closed at once unless `hold`); how many
    /// were accepted.
    func connects(from namespace: String, to host: String, port: Int, count: Int = 1, hold: Bool = false) throws -> Int
    {
        let output = try exec(
            namespace, ["python3", scripts + "/connect.py", host, String(port), String(count), hold ? "hold" : "close"]
        ).output
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// A DNS query from `namespace`: "rcode=N addresses=a,b" or "timeout".
    func query(from namespace: String, server: String, name: String, tcp: Bool = false) throws -> String {
        try exec(namespace, ["python3", scripts + "/dnsq.py", server, name, tcp ? "tcp" : "udp"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct TestNetworkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension FileHandle {
    /// Reads up to the first newline (or the end).
    func availableLineOrEnd() -> String {
        var bytes: [UInt8] = []
        while true {
            let data = readData(ofLength: 1)
            guard let byte = data.first, byte != UInt8(ascii: "\n") else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
