#if canImport(Glibc)
import Glibc
#endif

/// Why an IDS part could not run: a system call that failed (with its errno), or a kernel feature missing.
public struct DetectionError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case system(errno: Int32)
        case unavailable
        case badInput
    }

    private let code: Code
    /// What was being done: `bind NFLOG group 5`.
    public let operation: String
    public let file: String
    public let line: Int

    private init(_ code: Code, _ operation: String, file: String, line: Int) {
        self.code = code
        self.operation = operation
        self.file = file
        self.line = line
    }

    static func system(_ operation: String, _ number: Int32, file: String = #fileID, line: Int = #line)
        -> DetectionError
    {
        DetectionError(.system(errno: number), operation, file: file, line: line)
    }

    static func unavailable(_ operation: String, file: String = #fileID, line: Int = #line) -> DetectionError {
        DetectionError(.unavailable, operation, file: file, line: line)
    }

    static func badInput(_ operation: String, file: String = #fileID, line: Int = #line) -> DetectionError {
        DetectionError(.badInput, operation, file: file, line: line)
    }

    /// The errno of a failed system call.
    public var errno: Int32? {
        if case .system(let number) = code { return number }
        return nil
    }

    /// True when the kernel or the system lacks what was needed (the CLI's exit 69).
    public var isUnavailable: Bool {
        switch code {
        case .unavailable: true
        case .system(let number): number == EPROTONOSUPPORT || number == EAFNOSUPPORT || number == ENOENT
        case .badInput: false
        }
    }

    /// True when the caller lacks the privilege (CAP_NET_ADMIN for NFLOG: the CLI's exit 77).
    public var isPermissionDenied: Bool { errno == EPERM || errno == EACCES }

    public var description: String {
        switch code {
        case .system(let number): "\(operation): \(String(cString: strerror(number)))"
        case .unavailable, .badInput: operation
        }
    }

    public static func == (lhs: DetectionError, rhs: DetectionError) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
