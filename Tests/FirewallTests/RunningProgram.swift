import Foundation

/// A helper program the test runs in the background and reads line by line as it prints, so a test can act at a
/// point of its run (a tunnel established) instead of after a guessed sleep.
final class RunningProgram {
    private let process = Process()
    private let output = Pipe()
    private var pending = Data()

    /// `ip netns exec NAMESPACE ARGUMENTS…`.
    init(namespace: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace] + arguments
        process.standardOutput = output
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Ends it (SIGKILL, by its pid) if it still runs.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The next line it prints (nil once it ended without one).
    func nextLine() -> String? {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeSubrange(...end)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            pending += chunk
        }
    }

    /// Waits for its end: the lines it printed after those already read.
    func finish() -> [String] {
        var lines: [String] = []
        while let line = nextLine() { lines.append(line) }
        process.waitUntilExit()
        return lines
    }
}

/// A namespace of the test's own with only loopback, where a fake agent's program runs (it prints `ready` first).
final class FakeAgentNamespace {
    let name: String
    let program: RunningProgram
    private let network: TestNetwork

    init(_ network: TestNetwork, suffix: String, _ arguments: [String]) throws {
        self.network = network
        name = network.fw.replacingOccurrences(of: "-fw", with: "-" + suffix)
        try network.run(["ip", "netns", "add", name])
        do {
            try network.run(["ip", "-n", name, "link", "set", "lo", "up"])
            program = try RunningProgram(namespace: name, arguments)
        } catch {
            _ = try? network.run(["ip", "netns", "del", name], check: false)
            throw error
        }
    }

    func close() {
        program.stop()
        _ = try? network.run(["ip", "netns", "del", name], check: false)
    }
}
