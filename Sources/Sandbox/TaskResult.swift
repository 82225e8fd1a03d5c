/// One of a task's two output streams.
public enum TaskStream: Sendable, Hashable {
    case output
    case error
}

/// What a task left: its status, the first ``TaskSpec/outputLimit`` bytes of each stream, how many bytes each
/// stream had in all, whether the timeout stopped it, and how long it took from `podman run` to its end.
public struct TaskResult: Sendable, Hashable {
    /// The container's exit status as podman reports it: the command's own status, 128 + N when signal N ended
    /// it (137 for SIGKILL, which is what the memory limit and the timeout use), 125 when podman itself failed,
    /// 126 when the command could not be run, 127 when it was not found.
    public let exitStatus: Int32
    public let output: [UInt8]
    public let errorOutput: [UInt8]
    /// Bytes the task wrote to each stream, kept or not.
    public let outputBytes: Int
    public let errorOutputBytes: Int
    public let timedOut: Bool
    public let duration: Duration
    /// The container's name (`aios-task-…`), unique per run.
    public let containerName: String

    public var outputTruncated: Bool { outputBytes > output.count }
    public var errorOutputTruncated: Bool { errorOutputBytes > errorOutput.count }

    public var outputText: String { String(decoding: output, as: UTF8.self) }
    public var errorOutputText: String { String(decoding: errorOutput, as: UTF8.self) }

    public init(
        exitStatus: Int32, output: [UInt8], errorOutput: [UInt8], outputBytes: Int, errorOutputBytes: Int,
        timedOut: Bool, duration: Duration, containerName: String
    ) {
        self.exitStatus = exitStatus
        self.output = output
        self.errorOutput = errorOutput
        self.outputBytes = outputBytes
        self.errorOutputBytes = errorOutputBytes
        self.timedOut = timedOut
        self.duration = duration
        self.containerName = containerName
    }
}
