import CFileAccess
import Capabilities
import GRPCCore
import Glibc

/// A path opened strictly beneath the directory its capability allows: the capability `fs:write:/tmp/demo/*`
/// roots every access at `/tmp/demo`, and the rest of the path is resolved with `openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_MAGICLINKS)`, so `..`, symlinks that lead outside and `/proc/self/root`-style magic links fail
/// instead of escaping. The root itself is opened with no symlinks at all (`RESOLVE_NO_SYMLINKS`).
final class BeneathPath {
    /// The allowed root directory, open.
    let root: Int32
    /// The path below the root ("" when the request is the root itself).
    let relative: String

    /// The directory a capability pattern allows: `/a/b/*` → `/a/b`; an exact `/a/b/c` → `/a/b` (with the file
    /// name as the only relative path); `*` → `/`.
    static func root(of capability: Capability) -> String {
        switch capability.resource {
        case .unrestricted, .any: return "/"
        case .below(let prefix):
            let trimmed = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            return trimmed.isEmpty ? "/" : trimmed
        case .exact(let path):
            return "/" + path.split(separator: "/", omittingEmptySubsequences: true).dropLast().joined(separator: "/")
        }
    }

    init(path: String, allowedBy capability: Capability) throws(BrokerResult.Failure) {
        let rootPath = Self.root(of: capability)
        guard path == rootPath || path.hasPrefix(rootPath == "/" ? "/" : rootPath + "/") else {
            throw BrokerResult.Failure(code: .permissionDenied, message: "\(path) is not beneath \(rootPath)")
        }
        let descriptor = rootPath.withCString { aios_open_beneath_root($0) }
        guard descriptor >= 0 else {
            throw BrokerResult.Failure(
                code: .failedPrecondition, message: "cannot open the allowed root \(rootPath): \(Self.errorText())")
        }
        root = descriptor
        relative = String(path.dropFirst(rootPath == "/" ? 1 : rootPath.count + 1))
    }

    deinit { close(root) }

    /// Opens the path (or a part of it) beneath the root.
    func open(_ flags: Int32, mode: mode_t = 0o644, relativePath: String? = nil) throws(BrokerResult.Failure) -> Int32 {
        let target = relativePath ?? relative
        let descriptor = (target.isEmpty ? "." : target).withCString {
            aios_open_beneath(
                root, $0, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), (flags & O_CREAT) != 0 ? UInt64(mode) : 0)
        }
        guard descriptor >= 0 else { throw Self.failure("open \(target.isEmpty ? "." : target)") }
        return descriptor
    }

    /// The parent directory of the path, open, and the last component (for create, rename, unlink).
    func parent() throws(BrokerResult.Failure) -> (directory: Int32, name: String) {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = parts.last else {
            throw BrokerResult.Failure(code: .invalidArgument, message: "the path names the allowed root itself")
        }
        let directory = try open(
            Int32(AIOS_O_PATH) | O_DIRECTORY, relativePath: parts.dropLast().joined(separator: "/"))
        return (directory, String(last))
    }

    static func errorText() -> String { String(cString: strerror(errno)) }

    static func failure(_ operation: String) -> BrokerResult.Failure {
        let code: RPCError.Code =
            switch errno {
            case ENOENT: .notFound
            case EXDEV, ELOOP, EACCES, EPERM: .permissionDenied
            case EEXIST: .alreadyExists
            case EISDIR, ENOTDIR, ENOTEMPTY: .failedPrecondition
            default: .internalError
            }
        let reason = errno == EXDEV || errno == ELOOP ? "the path leaves the allowed directory" : errorText()
        return BrokerResult.Failure(code: code, message: "\(operation): \(reason)")
    }
}
