import Foundation

/// The podman program and the short calls the runner makes besides `run` (`kill`, `rm`, `image exists`,
/// `import`). podman is a separate program, so Foundation's `Process` starts it; no Swift runs in a child.
public struct TaskPodman: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The first executable `podman` in PATH (or the usual folders when PATH is unset).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(TaskError) -> TaskPodman
    {
        let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for folder in folders where folder.hasPrefix("/") {
            let candidate = String(folder) + "/podman"
            if access(candidate, X_OK) == 0 { return TaskPodman(path: candidate) }
        }
        throw .unavailable("podman not found in PATH (the Makefile installs podman, runc and busybox-static)")
    }

    /// Runs `podman ARGUMENTS` to completion, with standard input from `input` (or /dev/null); returns its
    /// status and what it wrote. For short administrative calls only: the output is read after it exits.
    @discardableResult
    func call(_ arguments: [String], input: FileHandle? = nil) throws(TaskError) -> (
        status: Int32, output: String, error: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardInput = input ?? FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        do {
            try process.run()
        } catch {
            throw .launch("cannot start \(path): \(error)")
        }
        try? output.fileHandleForWriting.close()
        try? error.fileHandleForWriting.close()
        // Read both to the end before waiting (a full pipe would block podman).
        let errorReader = TaskOutputReader(
            descriptor: error.fileHandleForReading.fileDescriptor, stream: .error, limit: 1 << 20, observer: nil)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errorReader.finish(grace: .seconds(5)).kept
        process.waitUntilExit()
        return (
            Self.status(of: process), String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    /// Runs `podman ARGUMENTS` to completion with its standard streams on /dev/null and no other descriptor of
    /// ours: for calls that leave a process behind (`podman init` starts conmon, which would keep whatever it
    /// inherited open until the container ends — Foundation's `Process` then waits that long for the call).
    /// Its exit status only.
    func callDetached(_ arguments: [String]) throws(TaskError) -> Int32 {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard null >= 0 else { throw .launch("cannot open /dev/null: \(String(cString: strerror(errno)))") }
        defer { close(null) }
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let spec = LaunchSpec(
            executable: path, arguments: [path] + arguments, environment: environment, identity: nil,
            ownSessionKeyring: false, standardInput: null, standardOutput: null, standardError: null)
        do {
            let child = try PendingProcess(spec)
            do {
                try child.release()
            } catch {
                child.abandon()
                throw error
            }
            return child.wait()
        } catch {
            throw .launch("cannot start \(path): \(error)")
        }
    }

    /// The exit status the way a shell reports it: the status, or 128 + the signal that ended the process.
    static func status(of process: Process) -> Int32 {
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
