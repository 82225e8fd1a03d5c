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
