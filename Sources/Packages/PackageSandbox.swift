import Capabilities
import Foundation
import Glibc
import Policy
import Sandbox

/// Runs the package tools (apt, pip, dpkg-deb) that touch untrusted bytes — a repository's answers, a package's
/// archives — as an unnamed uid nothing else uses, in new PID, mount, IPC and UTS namespaces, with a private
/// filesystem view (the runtime read-only, one work directory writable), Landlock on the same paths, TCP connect
/// only to the repositories' ports, the agents' seccomp filter (no raw sockets, no ptrace, no mounts), and a new,
/// empty session keyring (the daemon's reaches the vault). What
/// such a tool can do if a hostile answer takes it over: write its work directory and talk to the repository.
public struct PackageSandbox: Sendable {
    /// The host directory the view's root is mounted on (empty; one mount namespace each).
    public let viewRoot: String
    public let uid: UInt32
    /// Directories and files the tools read besides the runtime (the dpkg database, resolver configuration).
    public let readable: [String]
    /// Directories masked in the view (the daemon's state).
    public let hidden: [String]
    public let runtime: [String]
    public let timeout: Duration

    public init(
        viewRoot: String, uid: UInt32, runtime: [String], readable: [String], hidden: [String], timeout: Duration
    ) {
        self.viewRoot = viewRoot
        self.uid = uid
        self.runtime = runtime
        self.readable = readable
        self.hidden = hidden
        self.timeout = timeout
    }

    /// What a sandboxed command printed and how it ended.
    public struct Output: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
        /// Killed at the timeout.
        public var timedOut = false
        public var succeeded: Bool { status == 0 }
        /// What apt and pip say when they refuse: their error and warning lines (`E:`, `W:`, `ERROR:`), else the
        /// last lines of standard error.
        public var complaint: String {
            let lines = standardError.split(separator: "\n")
            let errors = lines.filter { $0.hasPrefix("E: ") || $0.hasPrefix("W: ") || $0.hasPrefix("ERROR: ") }
            let chosen = (errors.isEmpty ? Array(lines.suffix(6)) : Array(errors.prefix(6))).joined(separator: "; ")
            return chosen.isEmpty ? "exit status \(status)" : chosen
        }
    }

    /// Runs `command` (absolute executable first) with `environment`, writing only below `work`, connecting only to
    /// `ports`, reading `inputs` besides the runtime; kills it (its whole PID namespace) when the sandbox's timeout passes.
    public func run(
        _ command: [String], environment: [String], work: String, ports: Set<UInt16>, reading inputs: [String] = []
    ) throws -> Output {
        var capabilities = try (readable + inputs + [work]).map { try Capability(parsing: "fs:read:\($0)") }
        capabilities.append(try Capability(parsing: "fs:write:\(work)"))
        let confinement = AgentConfinement(
            capabilities: capabilities, runtime: runtime, scratchBytes: 64 << 20, daemonSocket: nil, hidden: hidden,
            viewRoot: viewRoot)
        var spec = LaunchSpec(
            executable: command[0], arguments: command, environment: environment, identity: (uid, uid),
            ownSessionKeyring: true)
        // The work directory's own tree is the tools' to build (apt's partial/, dpkg-deb's control/).
        spec.landlock = confinement.landlock + [LandlockRule(path: work, access: [.mkdir, .delete])]
        // TCP: connect to the repositories' ports, bind nothing.
        spec.landlockNetwork = LandlockNetwork(
            handled: LandlockNetwork.bind | LandlockNetwork.connect,
            ports: Dictionary(uniqueKeysWithValues: ports.map { ($0, LandlockNetwork.connect) }))
        spec.filesystem = confinement.view
        // The tool is the first process of its PID namespace: its end (or its kill at the timeout) ends the rest.
        spec.namespaces = [.pid, .mount, .ipc, .uts]
        spec.seccomp = try SeccompFilter.agent.get()
        // Output in unnamed files beside the work directory, in the request's root-only directory.
        return try BoundedProgram.run(spec, streamsIn: (work as NSString).deletingLastPathComponent, timeout: timeout)
    }
}

extension PackageSandbox {
    /// The sandbox a policy's requests run in: its uid and timeout, the runtime directories of the agents'
    /// sandboxes, the install root's dpkg database and the resolver's configuration readable.
    public static func make(
        policy: PackagePolicy, viewRoot: String, hidden: [String], runtime: [String] = SandboxPolicy.defaultRuntime
    ) -> PackageSandbox {
        let root = policy.root == "/" ? "" : policy.root
        let readable = [root + "/var/lib/dpkg", "/etc/resolv.conf", "/etc/gai.conf"].filter {
            FileManager.default.fileExists(atPath: $0)
        }
        return PackageSandbox(
            viewRoot: viewRoot, uid: policy.sandboxUID, runtime: runtime, readable: readable, hidden: hidden,
            timeout: .milliseconds(policy.timeout.milliseconds))
    }
}

extension PackageSandbox {
    /// ``run(_:environment:work:ports:reading:)`` in a request's workspace, every failure a ``PackageError``.
    func run(
        _ command: [String], _ environment: [String], _ work: Workspace, _ ports: Set<UInt16>, reading: [String] = []
    ) throws(PackageError) -> Output {
        do {
            return try run(command, environment: environment, work: work.path, ports: ports, reading: reading)
        } catch let error as PackageError {
            throw error
        } catch {
            throw .sandbox("\(command[0]): \(error)")
        }
    }
}
