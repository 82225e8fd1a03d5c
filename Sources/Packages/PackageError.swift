/// Why a package request was refused before anything was installed, or why an install failed.
public enum PackageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request names no configured repository, environment or a malformed package.
    case invalid(String)
    /// The download or its verification failed (apt's or pip's own words, or the daemon's second check).
    case verification(String)
    /// The sandbox could not be set up.
    case sandbox(String)
    /// Installing the verified files failed.
    case install(String)

    public var description: String {
        switch self {
        case .invalid(let text): text
        case .verification(let text): "verification failed: \(text)"
        case .sandbox(let text): "package sandbox: \(text)"
        case .install(let text): "install failed: \(text)"
        }
    }
}
