/// Errors of the task runner. Equality is on the kind, so tests can compare against a factory's result.
public struct TaskError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case invalidSpec
        case needsRoot
        case unavailable
        case image
        case launch
        case refused
    }

    let code: Code
    public let message: String
    public let file: String
    public let line: Int

    public var description: String { message }

    public static func == (lhs: TaskError, rhs: TaskError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The task's spec is wrong: a bad image name, a root that is not a usable directory, a limit out of range.
    public static func invalidSpec(_ message: String, file: String = #fileID, line: Int = #line) -> TaskError {
        TaskError(code: .invalidSpec, message: message, file: file, line: line)
    }
    /// Root podman is the only mode that applies every limit on cgroup v1 (rootless podman ignores them there).
    public static func needsRoot(file: String = #fileID, line: Int = #line) -> TaskError {
        TaskError(
            code: .needsRoot,
            message: "the task runner needs root: rootless podman ignores resource limits on cgroup v1",
            file: file, line: line)
    }
    /// podman (or a tool the image build needs) is missing.
    static func unavailable(_ message: String, file: String = #fileID, line: Int = #line) -> TaskError {
        TaskError(code: .unavailable, message: message, file: file, line: line)
    }
    /// Building or importing the base image failed.
    static func image(_ message: String, file: String = #fileID, line: Int = #line) -> TaskError {
        TaskError(code: .image, message: message, file: file, line: line)
    }
    /// podman could not be started at all (the task never ran).
    static func launch(_ message: String, file: String = #fileID, line: Int = #line) -> TaskError {
        TaskError(code: .launch, message: message, file: file, line: line)
    }

    /// The last check before the task's start said no, or an emergency stop cancelled it first; what was made for
    /// it was removed and its command never ran.
    static func refused(_ message: String, file: String = #fileID, line: Int = #line) -> TaskError {
        TaskError(code: .refused, message: message, file: file, line: line)
    }

    public var isRefused: Bool { code == .refused }
    public var isInvalidSpec: Bool { code == .invalidSpec }
    public var isNeedsRoot: Bool { code == .needsRoot }
    public var isUnavailable: Bool { code == .unavailable }
}
