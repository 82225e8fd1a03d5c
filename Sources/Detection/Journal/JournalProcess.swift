#if canImport(Glibc)
import Glibc
#endif

/// One running `journalctl`: its output read line by line, its standard error kept (the last 4 KiB) to explain an
/// exit. Spawned directly with default signal handling and no descriptors but its three.
struct JournalProcess {
    static let maximumLine = 256 << 10
    let pid: pid_t
    private let output: Int32
    private let errors: Int32
    private var errorBytes: [UInt8] = []

    init(arguments: [String], journalctl: String) throws(DetectionError) {
        // Socket pairs, created close-on-exec in one call (Glibc's module has no pipe2): no other thread's child
        // can inherit them.
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, kind, 0, &outputPipe) == 0 else { throw DetectionError.system("socketpair", errno) }
        guard socketpair(AF_UNIX, kind, 0, &errorPipe) == 0 else {
            let number = errno
            close(outputPipe[0])
            close(outputPipe[1])
            throw DetectionError.system("socketpair", number)
        }
        _ = fcntl(errorPipe[0], F_SETFL, O_NONBLOCK)
        defer {
            close(outputPipe[1])
            close(errorPipe[1])
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The daemon ignores or blocks signals for its own handling; journalctl gets the defaults.
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = [journalctl] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        let variables: [String] = ["LANG=C.UTF-8", "SYSTEMD_COLORS=0", "SYSTEMD_PAGER=cat"]
        var environment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, journalctl, &actions, &attributes, &cArguments, &environment)
        guard status == 0 else {
            close(outputPipe[0])
            close(errorPipe[0])
            throw DetectionError.system("posix_spawn \(journalctl)", status)
        }
        self.pid = pid
        output = outputPipe[0]
        errors = errorPipe[0]
    }

    var errorOutput: String {
        String(decoding: errorBytes, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no message"
    }

    /// Hands over each complete line until the output ends or `stopped()` (then journalctl is killed by
    /// ``finish()``); lines over 256 KiB are cut there and handed over (they then fail to parse: malformed).
    mutating func readLines(until stopped: () -> Bool, idle: () -> Void, _ line: (ArraySlice<UInt8>) -> Void) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var skipping = false
        while !stopped() {
            var descriptors = [pollfd(fd: output, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 1, 250)
            drainErrors()
            if ready < 0 && errno != EINTR { return }
            if ready > 0 {
                let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                if count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN) { return }
                if count > 0 {
                    pending.append(contentsOf: chunk[0..<count])
                    var start = 0
                    while let newline = pending[start...].firstIndex(of: 10) {
                        if !skipping { line(pending[start..<newline]) }
                        skipping = false
                        start = newline + 1
                    }
                    pending.removeFirst(start)
                    if pending.count > Self.maximumLine {
                        if !skipping { line(pending[...]) }
                        pending.removeAll()
                        skipping = true
                    }
                }
            }
            idle()
        }
    }

    private mutating func drainErrors() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(errors, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            errorBytes.append(contentsOf: buffer[0..<count])
            if errorBytes.count > 4096 { errorBytes.removeFirst(errorBytes.count - 4096) }
        }
    }

    /// Waits for journalctl to end (killing it if it has not) and closes the pipes; its exit status.
    mutating func finish() -> Int32 {
        drainErrors()
        var status: Int32 = 0
        // Its output has ended: give it a second to exit on its own, so its own status explains the end.
        var exited = false
        for _ in 0..<20 {
            if waitpid(pid, &status, WNOHANG) == pid {
                exited = true
                break
            }
            usleep(50_000)
        }
        if !exited {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        close(output)
        close(errors)
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
