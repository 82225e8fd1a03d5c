import CFileAccess
import Capabilities
import GRPCCore
import Glibc

/// A path and the directory its capability allows: `fs:write:/tmp/demo/*` roots every access at `/tmp/demo`. The
/// root is opened with no symlinks at all (`RESOLVE_NO_SYMLINKS`) and the rest of the path beneath it with
/// `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`, so `..`, symlinks that lead outside and
/// `/proc/self/root`-style magic links fail instead of escaping. Opening happens inside the Broker's confined
/// thread (``BrokerConfinement``), after the protected paths are hidden.
struct BeneathPath: Sendable {
    /// The allowed root directory.
    let rootPath: String
    /// The path below the root ("" when the request is the root itself).
    let relative: String
    /// The path as the caller gave it, for messages (shortened when long: errors never echo large input).
    let shown: String

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

    /// The longest path the Broker takes (Linux's PATH_MAX); longer requests are refused before any system call.
    static let maximumLength = 4096

    init(path: String, allowedBy capability: Capability) throws(BrokerResult.Failure) {
        guard path.utf8.count <= Self.maximumLength else {
            throw BrokerResult.Failure(
                code: .invalidArgument,
                message: "the path is \(path.utf8.count) bytes long; the limit is \(Self.maximumLength)")
        }
        shown = path
        let rootPath = Self.root(of: capability)
        guard path == rootPath || path.hasPrefix(rootPath == "/" ? "/" : rootPath + "/") else {
            throw BrokerResult.Failure(code: .permissionDenied, message: "\(path) is not beneath \(rootPath)")
        }
        self.rootPath = rootPath
        relative = String(path.dropFirst(rootPath == "/" ? 1 : rootPath.count + 1))
    }

    /// Opens the root directory (O_PATH), with no symlink anywhere in it.
    func openRoot() throws(BrokerResult.Failure) -> Int32 {
        let descriptor = rootPath.withCString { aios_open_beneath_root($0) }
        guard descriptor >= 0 else {
            throw BrokerResult.Failure(
                code: errno == ENOENT ? .notFound : .failedPrecondition,
                message: "cannot open the allowed root \(rootPath): \(Self.errorText())")
        }
        return descriptor
    }

    /// Opens the path (or a part of it) beneath the open root.
    func open(in root: Int32, _ flags: Int32, mode: mode_t = 0o644, relativePath: String? = nil)
        throws(BrokerResult.Failure) -> Int32
    {
        let target = relativePath ?? relative
        let descriptor = (target.isEmpty ? "." : target).withCString {
            aios_open_beneath(
                root, $0, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), (flags & O_CREAT) != 0 ? UInt64(mode) : 0)
        }
        guard descriptor >= 0 else { throw Self.failure("open \(shown)") }
        return descriptor
    }

    /// The parent directory of the path, open (O_PATH), and the last component (for create, rename, unlink).
    func parent(in root: Int32) throws(BrokerResult.Failure) -> (directory: Int32, name: String) {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = parts.last else {
            throw BrokerResult.Failure(code: .invalidArgument, message: "the path names the allowed root itself")
        }
        let directory = try open(
            in: root, Int32(AIOS_O_PATH) | O_DIRECTORY, relativePath: parts.dropLast().joined(separator: "/"))
        return (directory, String(last))
    }

    static func errorText() -> String { String(cString: strerror(errno)) }

    static func failure(_ operation: String) -> BrokerResult.Failure {
        let code: RPCError.Code =
            switch errno {
            case ENOENT: .notFound
            case EXDEV, ELOOP, EACCES, EPERM: .permissionDenied
            case EEXIST: .alreadyExists
            case EISDIR, ENOTDIR, ENOTEMPTY, ENXIO: .failedPrecondition
            case ENAMETOOLONG: .invalidArgument
            default: .internalError
            }
        let reason = errno == EXDEV || errno == ELOOP ? "the path leaves the allowed directory" : errorText()
        return BrokerResult.Failure(code: code, message: "\(operation): \(reason)")
    }
}
