import Foundation
import Glibc
import Sandbox

/// A package tool started by the project's launcher, waited for no longer than a deadline. Its output goes to
/// unnamed files, never a pipe: a process it leaves behind (a daemon a maintainer script starts the old way) would
/// hold a pipe's writing end for ever, and the daemon reading it would wait with it. At the deadline its whole
/// process group is killed (the launcher makes it a session leader; in a PID namespace of its own, it is also the
/// namespace's first process, whose end ends the rest).
enum BoundedProgram {
    /// The most of each stream kept.
    static let outputLimit = 4 << 20

    /// Runs `spec` with no input and its output in unnamed files in `directory` (which only root may enter).
    static func run(_ spec: LaunchSpec, streamsIn directory: String, timeout: Duration) throws -> PackageSandbox.Output
    {
        let stdout = open(directory, temporaryFile | O_RDWR | O_CLOEXEC, 0o600)
        let stderr = open(directory, temporaryFile | O_RDWR | O_CLOEXEC, 0o600)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { [stdout, stderr, null].filter { $0 >= 0 }.forEach { close($0) } }
        guard stdout >= 0, stderr >= 0, null >= 0 else {
            throw PackageError.sandbox("cannot open output files in \(directory): \(String(cString: strerror(errno)))")
        }
        var spec = spec
        (spec.standardInput, spec.standardOutput, spec.standardError) = (null, stdout, stderr)
        let child = try PendingProcess(spec)
        try child.release()
        let (status, timedOut) = wait(for: child, timeout: timeout)
        return PackageSandbox.Output(
            status: status, standardOutput: read(stdout), standardError: read(stderr), timedOut: timedOut)
    }

    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), a macro Swift does not import.
    static let temporaryFile: Int32 = 0o2020_0000

    private static func wait(for child: PendingProcess, timeout: Duration) -> (status: Int32, timedOut: Bool) {
        let deadline = ContinuousClock.now + timeout
        var pause: UInt32 = 1_000
        while ContinuousClock.now < deadline {
            if let status = child.tryWait() { return (status, false) }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        Glibc.kill(-child.pid, SIGKILL)
        Glibc.kill(child.pid, SIGKILL)
        return (child.wait(), true)
    }

    private static func read(_ descriptor: Int32) -> String {
        lseek(descriptor, 0, SEEK_SET)
        var bytes = [UInt8](repeating: 0, count: outputLimit)
        var total = 0
        while total < outputLimit {
            let count = bytes.withUnsafeMutableBytes {
                Glibc.read(descriptor, $0.baseAddress! + total, outputLimit - total)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            total += count
        }
        return String(decoding: bytes[..<total], as: UTF8.self)
    }
}
