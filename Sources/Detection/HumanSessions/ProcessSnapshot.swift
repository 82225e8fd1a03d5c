#if canImport(Glibc)
import Glibc
#endif

/// What `/proc/PID` says about a process right after its exec: who it is to the audit system (`loginuid`,
/// `sessionid`, which pam_loginuid sets at login and every descendant inherits), its parent, its real uid, its
/// working directory and its argv. Read at once, because a process that exits takes all of it with it.
public struct ProcessSnapshot: Hashable, Sendable {
    /// `/proc/PID/loginuid` and `sessionid` when unset: the process is no login's (a service, an agent).
    public static let unset: UInt32 = 4_294_967_295

    public var loginUID: UInt32
    public var sessionID: UInt32
    public var parent: Int32
    public var uid: UInt32
    public var cwd: String?
    public var argv: BoundedArgv?

    public init(
        loginUID: UInt32, sessionID: UInt32, parent: Int32, uid: UInt32, cwd: String? = nil, argv: BoundedArgv? = nil
    ) {
        self.loginUID = loginUID
        self.sessionID = sessionID
        self.parent = parent
        self.uid = uid
        self.cwd = cwd
        self.argv = argv
    }

    public var isLogin: Bool { loginUID != Self.unset && sessionID != Self.unset }
}

/// Where snapshots come from: `/proc` on a live system, a table in tests.
public protocol ProcessSource: Sendable {
    /// The login identity and parent only (cheap: checked for every exec on the machine); nil when it is gone.
    func identity(of pid: Int32) -> ProcessSnapshot?
    /// Adds argv and cwd to `identity`; fields it could not read stay nil.
    func details(of pid: Int32, identity: ProcessSnapshot) -> ProcessSnapshot
}

/// The live `/proc` (of the initial PID namespace: the proc connector's numbers).
public struct ProcFileSystem: ProcessSource {
    public let root: String

    public init(root: String = "/proc") { self.root = root }

    public func identity(of pid: Int32) -> ProcessSnapshot? {
        let base = "\(root)/\(pid)/"
        guard let loginUID = Self.number(base + "loginuid"), let sessionID = Self.number(base + "sessionid")
        else { return nil }
        var snapshot = ProcessSnapshot(loginUID: loginUID, sessionID: sessionID, parent: 0, uid: 0)
        guard snapshot.isLogin else { return snapshot }
        guard let status = Self.read(base + "status", limit: 4096) else { return nil }
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard words.count >= 2 else { continue }
            if words[0] == "PPid:" { snapshot.parent = Int32(words[1]) ?? 0 }
            if words[0] == "Uid:" { snapshot.uid = UInt32(words[1]) ?? 0 }
        }
        return snapshot
    }

    public func details(of pid: Int32, identity: ProcessSnapshot) -> ProcessSnapshot {
        var snapshot = identity
        let base = "\(root)/\(pid)/"
        if let bytes = Self.read(base + "cmdline", limit: BoundedArgv.maximumBytes + 1) {
            snapshot.argv = BoundedArgv(cmdline: bytes[...])
        }
        var target = [CChar](repeating: 0, count: 4097)
        let length = readlink(base + "cwd", &target, 4096)
        if length >= 0 {
            snapshot.cwd = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return snapshot
    }

    /// Up to `limit` bytes of a file; nil when it cannot be opened (the process is gone).
    static func read(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, limit - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        // A process that exited between open and read leaves an empty cmdline: still read (as empty).
        return Array(bytes[0..<filled])
    }

    static func number(_ path: String) -> UInt32? {
        guard let bytes = read(path, limit: 16) else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.flatMap { UInt32($0) }
    }
}
