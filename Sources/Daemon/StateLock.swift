import Foundation

/// One daemon per state directory: an exclusive `flock` on `STATE/daemon.lock`, held for the process's life (the
/// kernel drops it when the process dies, however it dies). Two daemons on one state would write one ledger with two
/// hash chains and stop, resume and renew each other's agents' identities; a second one refuses to start instead —
/// for example one restarted while its predecessor is still ending.
public final class StateLock: Sendable {
    private let descriptor: Int32

    public struct Held: Error, CustomStringConvertible {
        public let description: String
    }

    public init(stateDirectory: String) throws {
        let path = stateDirectory + "/daemon.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw Held(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            close(descriptor)
            throw Held(
                description:
                    "another daemon runs on \(stateDirectory) (pid \(holder?.isEmpty == false ? holder! : "unknown"));"
                    + " stop it first")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
