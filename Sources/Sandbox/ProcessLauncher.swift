import CLauncher

#if canImport(Glibc)
import Glibc
#endif

/// What to run and as whom. The launcher stops the child just before `execve` so the caller can prepare what the
/// child will hold (its session keyring's keys), then releases it.
public struct LaunchSpec: Sendable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String]
    /// uid and gid after the hand-off; nil keeps the caller's (tests run as non-root that way).
    public var identity: (uid: UInt32, gid: UInt32)?
    /// Give the child a new anonymous session keyring: possessor view/read/search, owner (the launching uid)
    /// view/write so the launcher can link keys into it, which the child can then read but never change.
    public var ownSessionKeyring: Bool
    /// Descriptors the child gets as standard input, output and error; nil inherits the launcher's. Either way
    /// the child starts a session of its own, so a terminal among them is never its controlling terminal.
    public var standardInput: Int32?
    public var standardOutput: Int32?
    public var standardError: Int32?
    /// Filesystem confinement; nil: none. An empty list allows nothing at all.
    public var landlock: [LandlockRule]?
    /// TCP ports the agent may bind and connect to, enforced with `landlock` (Landlock ABI ≥ 4).
    public var landlockNetwork = LandlockNetwork(handled: 0, ports: [:])
    /// Namespaces the child gets of its own before exec.
    public var namespaces: Namespaces = []
    /// The system-call filter loaded last before exec; nil: none.
    public var seccomp: SeccompFilter?
    /// The private filesystem (needs `.mount`); nil: the launcher's own.
    public var filesystem: FilesystemView?

    public struct Namespaces: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// Only a loopback device, down: no route anywhere.
        public static let network = Namespaces(rawValue: 0x4000_0000)  // CLONE_NEWNET
        public static let ipc = Namespaces(rawValue: 0x0800_0000)  // CLONE_NEWIPC
        public static let uts = Namespaces(rawValue: 0x0400_0000)  // CLONE_NEWUTS
        /// The child is PID 1 (a reaper) of its own PID namespace; the command runs as PID 2.
        public static let pid = Namespaces(rawValue: 0x2000_0000)  // CLONE_NEWPID
        public static let mount = Namespaces(rawValue: 0x0002_0000)  // CLONE_NEWNS
        public static let agent: Namespaces = [.network, .ipc, .uts, .pid, .mount]
    }

    /// Possessor: view, read, search. Owner (the launcher's uid): view, write (link).
    public static let agentSessionPermissions: UInt32 = 0x0B05_0000

    public init(
        executable: String, arguments: [String], environment: [String], identity: (uid: UInt32, gid: UInt32)?,
        ownSessionKeyring: Bool, standardInput: Int32? = nil, standardOutput: Int32? = nil,
        standardError: Int32? = nil, landlock: [LandlockRule]? = nil, namespaces: Namespaces = [],
        seccomp: SeccompFilter? = nil, filesystem: FilesystemView? = nil
    ) {
        self.seccomp = seccomp
        self.filesystem = filesystem
        self.landlock = landlock
        self.namespaces = namespaces
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.identity = identity
        self.ownSessionKeyring = ownSessionKeyring
    }
}

public struct LaunchError: Error, CustomStringConvertible, Equatable {
    public let step: String
    public let errno: Int32
    public var description: String { "\(step): \(String(cString: strerror(errno)))" }

    public init(step: String, errno: Int32) {
        self.step = step
        self.errno = errno
    }

    static func named(step: Int32) -> String {
        switch Int(step) {
        case Int(AIOS_STEP_SESSION_KEYRING.rawValue): "joining a new session keyring"
        case Int(AIOS_STEP_SESSION_PERMISSIONS.rawValue): "setting the session keyring's permissions"
        case Int(AIOS_STEP_NO_NEW_PRIVS.rawValue): "setting no_new_privs"
        case Int(AIOS_STEP_IDENTITY.rawValue): "changing to the agent's uid/gid"
        case Int(AIOS_STEP_EXEC.rawValue): "exec"
        case Int(AIOS_STEP_STDIO.rawValue): "setting up standard input/output"
        case Int(AIOS_STEP_LANDLOCK.rawValue): "applying the Landlock ruleset"
        case Int(AIOS_STEP_NAMESPACES.rawValue): "entering new namespaces"
        case Int(AIOS_STEP_SECCOMP.rawValue): "loading the seccomp filter"
        case Int(AIOS_STEP_FILESYSTEM.rawValue): "building the private filesystem"
        case Int(AIOS_STEP_REAPER.rawValue): "starting the command under its PID 1"
        case Int(AIOS_STEP_SESSION.rawValue): "starting a session without a controlling terminal"
        case Int(AIOS_STEP_MEMFD.rawValue): "forbidding executable memfds (vm.memfd_noexec)"
        case Int(AIOS_STEP_USER_KEYRING.rawValue): "clearing the uid's user keyrings"
        default: "starting the child"
        }
    }
}

/// A child stopped before exec. Release it (it then execs), or abandon it (it exits without running anything).
public final class PendingProcess {
    public let pid: pid_t
    /// The child's session keyring serial, or 0 when the spec did not ask for one.
    public let sessionKeyring: Int32
    private var controlDescriptor: Int32
    private var reaped = false
    private let filesystem: FilesystemView?

    /// Forks the child; it is stopped before exec when this returns.
    public init(_ spec: LaunchSpec) throws(LaunchError) {
        var launched = aios_launched()
        let rulePaths = (spec.landlock ?? []).map { strdup($0.path) }
        let view = spec.filesystem.map(CFilesystemView.init)
        defer {
            rulePaths.forEach { free($0) }
            view?.free()
        }
        var rules = zip(rulePaths, spec.landlock ?? []).map {
            aios_landlock_rule(path: UnsafePointer($0.0), access: $0.1.access.rawValue)
        }
        let ports = UnsafeMutableBufferPointer<aios_landlock_port>.allocate(
            capacity: spec.landlockNetwork.ports.count)
        defer { ports.deallocate() }
        for (index, port) in spec.landlockNetwork.ports.sorted(by: { $0.key < $1.key }).enumerated() {
            ports[index] = aios_landlock_port(port: UInt64(port.key), access: port.value)
        }
        let result: Int32 = spec.executable.withCString { path in
            withCStrings(spec.arguments) { argv in
                withCStrings(spec.environment) { envp in
                    var cSpec = aios_launch_spec()
                    cSpec.path = path
                    cSpec.argv = argv
                    cSpec.envp = envp
                    cSpec.uid = spec.identity?.uid ?? 0
                    cSpec.gid = spec.identity?.gid ?? 0
                    cSpec.change_identity = spec.identity == nil ? 0 : 1
                    cSpec.join_session_keyring = spec.ownSessionKeyring ? 1 : 0
                    cSpec.session_permissions = LaunchSpec.agentSessionPermissions
                    cSpec.stdio = (spec.standardInput ?? -1, spec.standardOutput ?? -1, spec.standardError ?? -1)
                    cSpec.landlock = spec.landlock == nil ? 0 : 1
                    cSpec.namespaces = spec.namespaces.rawValue
                    cSpec.seccomp = spec.seccomp.map { UnsafePointer($0.program) }
                    cSpec.landlock_net_handled = spec.landlockNetwork.handled
                    return rules.withUnsafeMutableBufferPointer { buffer in
                        cSpec.landlock_rules = UnsafePointer(buffer.baseAddress)
                        cSpec.landlock_rule_count = buffer.count
                        cSpec.landlock_ports = UnsafePointer(ports.baseAddress)
                        cSpec.landlock_port_count = ports.count
                        guard let view else { return aios_launch(&cSpec, &launched) }
                        return withUnsafePointer(to: view.view) { viewPointer in
                            cSpec.filesystem = viewPointer
                            return aios_launch(&cSpec, &launched)
                        }
                    }
                }
            }
        }
        guard result == 0 else { throw LaunchError(step: "fork", errno: errno) }
        pid = launched.pid
        filesystem = spec.filesystem
        sessionKeyring = launched.session_keyring
        controlDescriptor = launched.control_fd
    }

    /// Waits until the child has built its namespaces and filesystem view, so that a start can be recorded only
    /// once nothing but the exec itself can fail; throws the step that failed (then `abandon()` it).
    public func waitUntilPrepared() throws(LaunchError) {
        var failure = aios_launch_failure()
        guard aios_launch_prepared(controlDescriptor, &failure) == 0 else { throw error(failure) }
    }

    /// Lets the child exec; returns once exec has succeeded, or throws the step that failed (the child has then
    /// exited; `wait()` reaps it).
    public func release() throws(LaunchError) {
        var failure = aios_launch_failure()
        let descriptor = controlDescriptor
        controlDescriptor = -1
        guard aios_launch_release(descriptor, &failure) == 0 else { throw error(failure) }
    }

    private func error(_ failure: aios_launch_failure) -> LaunchError {
        var step = LaunchError.named(step: failure.step)
        if failure.step == AIOS_STEP_FILESYSTEM.rawValue, let mounts = filesystem?.mounts,
            mounts.indices.contains(Int(failure.detail))
        {
            let mount = mounts[Int(failure.detail)]
            step += " (mounting \(mount.kind) \(mount.source.isEmpty ? "" : mount.source + " → ")\(mount.target))"
        }
        return LaunchError(step: step, errno: failure.error)
    }

    /// The child will not run the program: if it is still waiting it exits without running anything; either way it
    /// is reaped (also after a failed `release()`).
    public func abandon() {
        if controlDescriptor >= 0 {
            Glibc.close(controlDescriptor)
            controlDescriptor = -1
        }
        if !reaped { _ = wait() }
    }

    /// Waits for the child; its exit status, or 128 + signal number as a shell reports it.
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        return Self.shellStatus(status)
    }

    /// The exit status if the child has exited (it is then reaped), else nil.
    public func tryWait() -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        reaped = true
        return Self.shellStatus(status)
    }

    private static func shellStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    deinit { if controlDescriptor >= 0 { abandon() } }
}

/// The view as the C launcher reads it; the strings are copies, freed with `free()`.
private struct CFilesystemView {
    let view: aios_filesystem_view
    private let strings: [UnsafeMutablePointer<CChar>?]
    private let mounts: UnsafeMutableBufferPointer<aios_mount>

    init(_ view: FilesystemView) {
        var strings: [UnsafeMutablePointer<CChar>?] = [strdup(view.root)]
        mounts = .allocate(capacity: view.mounts.count)
        for (index, mount) in view.mounts.enumerated() {
            let source = strdup(mount.source)
            let target = strdup(mount.target)
            let options = mount.options.map { strdup($0) } ?? nil
            strings += [source, target, options]
            mounts[index] = aios_mount(
                kind: mount.cKind, source: source, target: target, options: options, optional: mount.optional ? 1 : 0)
        }
        self.strings = strings
        self.view = aios_filesystem_view(
            root: strings[0], mounts: UnsafePointer(mounts.baseAddress), mount_count: view.mounts.count)
    }

    func free() {
        strings.forEach { Glibc.free($0) }
        mounts.deallocate()
    }
}

/// NULL-terminated C string arrays that live for the duration of `body`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
