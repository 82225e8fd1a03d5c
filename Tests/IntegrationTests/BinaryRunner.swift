import Foundation

/// Runs the real `aios-sec` binary built beside the test bundle and captures what it prints.
struct BinaryRunner {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func fixture(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures/\(name)").path
    }

    /// The binary: `$AIOS_SEC_BIN`, else `aios-sec` in the directory of the running test bundle.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["AIOS_SEC_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !directory.path.isEmpty && directory.path != "/" {
            let candidate = directory.appendingPathComponent("aios-sec")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug/aios-sec")
    }

    /// `namespace`: run it inside that network namespace (`ip netns exec`); `timeout`: seconds after which the process
    /// is killed (a client stuck reconnecting to a starved daemon, say), its output so far returned.
    static func run(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], namespace: String? = nil,
        timeout: TimeInterval? = nil
    ) throws -> Output {
        let process = Process()
        configure(process, arguments, namespace: namespace)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        let watchdog = timeout.map { seconds in
            // SIGKILL: the test runner ignores SIGTERM, and its children inherit that.
            let item = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: item)
            return item
        }
        defer { watchdog?.cancel() }
        // Input written and both outputs read at once: a program that answers before it has read all its input,
        // or fills one output while the other is being read, would otherwise wait on the test for ever.
        let (stdout, stderr) = (Collected(out.fileHandleForReading), Collected(err.fileHandleForReading))
        let writer = input.fileHandleForWriting
        // A program that stops reading early (it refused its first line) closes the pipe: the write fails rather
        // than killing the test process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let written = DispatchGroup()
        written.enter()
        Thread.detachNewThread {
            if let stdin { try? writer.write(contentsOf: Data(stdin.utf8)) }
            try? writer.close()
            written.leave()
        }
        process.waitUntilExit()
        written.wait()
        return Output(status: process.terminationStatus, stdout: stdout.text(), stderr: stderr.text())
    }

    /// One output of a program, read to its end on a thread of its own.
    final class Collected: @unchecked Sendable {
        // @unchecked: `data` is written by the reading thread before `done` is signalled, read only after.
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread {
                self.data = handle.readDataToEndOfFile()
                self.done.signal()
            }
        }

        func text() -> String {
            done.wait()
            done.signal()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The binary with `arguments`, inside `namespace` when one is given: its network namespace only (`nsenter`, not
    /// `ip netns exec`, which also remounts /sys and so hides the cgroup tree a daemon launching agents needs).
    static func configure(_ process: Process, _ arguments: [String], namespace: String?) {
        if let namespace {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=/run/netns/" + namespace, binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
    }
}

extension BinaryRunner {
    /// Another program (not `aios-sec`) with `arguments`, its output captured.
    static func run(executable: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let (text, problems) = (Collected(output.fileHandleForReading), Collected(errors.fileHandleForReading))
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: text.text(), stderr: problems.text())
    }
}
