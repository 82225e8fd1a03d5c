import Foundation
import Policy
import Sandbox

/// Installs a ``PreparedInstall``: the verified copies and nothing else (no second download), each checked
/// against its report's hash just before, then hashes the files it put in place.
public struct PackageInstaller: Sendable {
    public let policy: PackagePolicy

    public init(policy: PackagePolicy) { self.policy = policy }

    /// What an install did.
    public struct Outcome: Sendable {
        /// Absolute path (below the install root) → SHA-256 of each regular file installed.
        public let files: [String: String]
        public let output: String
    }

    public func install(_ prepared: PreparedInstall) throws(PackageError) -> Outcome {
        for package in prepared.report.packages {
            guard VerifiedCopy.sha256(of: package.file) == package.sha256 else {
                throw .install("\(package.file) changed since it was verified")
            }
        }
        let result: (status: Int32, output: String)
        switch prepared.report.ecosystem {
        case "apt":
            result = try run(
                ["/usr/bin/dpkg", "--root=\(policy.root)", "--force-confold", "--install"]
                    + prepared.report.packages.map(\.file),
                environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"])
        case "pip":
            // The exact files, each with its hash: pip refuses anything else (`--require-hashes`), and never
            // reaches an index (`--no-index`).
            let requirements = prepared.directory + "/requirements.txt"
            let lines = prepared.report.packages.map { "\($0.name)==\($0.version) --hash=sha256:\($0.sha256)\n" }
            guard FileManager.default.createFile(atPath: requirements, contents: Data(lines.joined().utf8)) else {
                throw .install("cannot write \(requirements)")
            }
            let verified = (prepared.report.packages.first?.file as NSString?)?.deletingLastPathComponent ?? ""
            result = try run(
                [
                    prepared.report.target + "/bin/python", "-m", "pip", "install", "--disable-pip-version-check",
                    "--no-index", "--no-deps", "--require-hashes", "--find-links", verified, "-r", requirements,
                ], environment: ["PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": "/dev/null"])
        default: throw .invalid("unknown ecosystem \(prepared.report.ecosystem)")
        }
        guard result.status == 0 else {
            let tail = result.output.split(separator: "\n").suffix(6).joined(separator: "; ")
            throw .install("exit status \(result.status): \(tail)")
        }
        var hashes: [String: String] = [:]
        let root = policy.root == "/" ? "" : policy.root
        for path in prepared.installedFiles.values.joined() {
            var status = stat()
            guard lstat(root + path, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
                let hash = VerifiedCopy.sha256(of: root + path)
            else { continue }
            hashes[path] = hash
        }
        return Outcome(files: hashes, output: result.output)
    }

    /// The paths an installed Debian package owns (absolute, below the install root; `dpkg-query -L`): what its
    /// removal is announced to change. Empty when it is not installed.
    public func paths(of package: String) -> [String] {
        let root = policy.root == "/" ? "" : policy.root
        guard
            let listing = try? run(
                ["/usr/bin/dpkg-query", "--admindir=\(root)/var/lib/dpkg", "-L", "--", package],
                environment: ["PATH": "/usr/bin:/bin"]), listing.0 == 0
        else { return [] }
        return listing.1.split(separator: "\n").map(String.init).filter { $0.hasPrefix("/") && $0 != "/." }
    }

    /// Removes an installed Debian package (its configuration files stay, as `dpkg --remove` leaves them).
    public func remove(_ package: String) throws(PackageError) {
        // dpkg ignores a request to remove what is not installed and succeeds; a removal that did nothing is not
        // reported as done.
        let root = policy.root == "/" ? "" : policy.root
        let status = try run(
            ["/usr/bin/dpkg-query", "--admindir=\(root)/var/lib/dpkg", "-W", "-f=${db:Status-Status}", "--", package],
            environment: ["PATH": "/usr/bin:/bin"])
        guard status.0 == 0, status.1 == "installed" else { throw .install("\(package) is not installed") }
        let result = try run(
            ["/usr/bin/dpkg", "--root=\(policy.root)", "--remove", "--", package],
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"])
        guard result.0 == 0 else {
            throw .install("dpkg --remove: " + result.1.split(separator: "\n").suffix(4).joined(separator: "; "))
        }
    }

    /// Runs a package tool as root (no sandbox: it installs), output and errors together, killed with everything
    /// it started in its process group at the policy's timeout (``BoundedProgram``).
    func run(_ command: [String], environment: [String: String]) throws(PackageError) -> (Int32, String) {
        let spec = LaunchSpec(
            executable: command[0], arguments: command,
            environment: environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }, identity: nil,
            ownSessionKeyring: false)
        let timeout = Duration.milliseconds(policy.timeout.milliseconds)
        let output: PackageSandbox.Output
        do {
            output = try BoundedProgram.run(
                spec, streamsIn: FileManager.default.temporaryDirectory.path, timeout: timeout)
        } catch {
            throw .install("cannot start \(command[0]): \(error)")
        }
        guard !output.timedOut else {
            throw .install("\(command[0]) did not finish within \(policy.timeout); it was killed with what it started")
        }
        return (output.status, output.standardOutput + output.standardError)
    }
}
