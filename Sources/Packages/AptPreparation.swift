import Crypto
import Foundation
import Glibc
import Policy

/// Resolves and downloads a Debian package set in the ``PackageSandbox`` with a private apt configuration (only
/// the policy's repositories, each with only its own key), then checks what apt left with the daemon's own
/// second reading of the chain — `InRelease` signed by the repository's key (gpgv, in a fresh sandbox), the
/// `Packages` index's hash in it, each archive's hash in the index — and inspects each archive (dpkg-deb, in the
/// sandbox). The result is a ``PreparedInstall``: the verified files, copied where no sandbox reaches, and their
/// report.
public struct AptPreparation: Sendable {
    public let policy: PackagePolicy
    public let sandbox: PackageSandbox
    /// The policy's protected paths and the daemon's own: a file or script touching them is a finding.
    public let protectedPaths: [String]

    public init(policy: PackagePolicy, sandbox: PackageSandbox, protectedPaths: [String]) {
        self.policy = policy
        self.sandbox = sandbox
        self.protectedPaths = protectedPaths
    }

    /// `directory`: the request's own directory (created here, root-only); removed by the caller when done.
    public func prepare(_ packages: [String], in directory: String) throws(PackageError) -> PreparedInstall {
        guard !policy.repositories.isEmpty else {
            throw .invalid("the policy names no apt repository (packages.apt.repositories)")
        }
        let work = try Workspace.create(directory, sandboxUID: sandbox.uid)
        try writeConfiguration(work)
        let environment = [
            "APT_CONFIG=\(work.path)/etc/apt.conf", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
            "HOME=\(work.path)", "DEBIAN_FRONTEND=noninteractive",
        ]
        let ports = Set(policy.repositories.compactMap { Self.port(of: $0.uri) })
        let update = try sandbox.run(["/usr/bin/apt-get", "-q", "--error-on=any", "update"], environment, work, ports)
        guard update.succeeded else { throw .verification("apt-get update: \(update.complaint)") }
        let download = try sandbox.run(
            ["/usr/bin/apt-get", "-q", "-y", "--no-install-recommends", "install", "--download-only", "--"]
                + packages, environment, work, ports)
        guard download.succeeded else { throw .verification("apt-get install --download-only: \(download.complaint)") }

        var copier = VerifiedCopy(budget: policy.maximumDownload)
        let index = try verifiedIndex(work, &copier)
        var facts: [ProvenanceReport.PackageFacts] = []
        var files: [String: [String]] = [:]
        let archives = try Workspace.entries(work.path + "/archives").filter { $0.hasSuffix(".deb") }
        for (number, name) in archives.enumerated() {
            let copied = try copier.copy(
                work.path + "/archives/" + name, to: work.verified + "/\(number).deb")
            guard let listed = index[copied.sha256] else {
                throw .verification("\(name): its SHA-256 \(copied.sha256) is in no signed index of the policy")
            }
            var package = ProvenanceReport.PackageFacts(
                name: listed.stanza["Package"] ?? "", version: listed.stanza["Version"] ?? "", sha256: copied.sha256,
                size: copied.size, requested: packages.contains(listed.stanza["Package"] ?? ""), file: copied.path)
            package.architecture = listed.stanza["Architecture"] ?? ""
            package.maintainer = listed.stanza["Maintainer"] ?? ""
            package.origin = listed.origin
            package.suite = listed.suite
            package.component = listed.component
            package.repository = listed.repository
            package.signingKey = listed.signingKey
            let inspection = try inspect(copied.path, number: number, work: work)
            package.scripts = inspection.scripts
            package.setuid = inspection.members.filter(\.isSetID).map(\.path)
            package.unusualPaths = inspection.members.filter { !$0.isDirectory && InstalledPaths.isUnusual($0.path) }
                .map(\.path)
            package.protectedPaths = inspection.members.compactMap { member in
                InstalledPaths.isProtected(member.path, by: protectedPaths).map { _ in member.path }
            }
            files[package.name] = inspection.members.map(\.path)
            facts.append(package)
        }
        let missing = packages.filter { name in !facts.contains { $0.name == name } }
        guard missing.isEmpty else {
            throw .invalid(
                "nothing to download for \(missing.joined(separator: ", ")): already installed at the newest version")
        }
        var report = ProvenanceReport(
            ecosystem: "apt", requested: packages, target: policy.root, packages: facts.sorted { $0.name < $1.name })
        report.addPolicyFindings(policy)
        report.findings += facts.flatMap(Self.findings)
        report.judge(by: policy)
        return PreparedInstall(report: report, directory: directory, installedFiles: files)
    }

    // MARK: Configuration

    private func writeConfiguration(_ work: Workspace) throws(PackageError) {
        var sources = ""
        for repository in policy.repositories {
            guard let key = try VerifiedCopy.readData(repository.key, limit: 4 << 20) else {
                throw .invalid("the key of repository '\(repository.name)' (\(repository.key)) does not exist")
            }
            try work.write("etc/keys/\(repository.name).gpg", key)
            sources +=
                "deb [signed-by=\(work.path)/etc/keys/\(repository.name).gpg] \(Self.trimmed(repository.uri)) "
                + "\(repository.suite) \(repository.components.joined(separator: " "))\n"
        }
        try work.write("etc/sources.list", Data(sources.utf8))
        let root = policy.root == "/" ? "" : policy.root
        let configuration = """
            Dir::Etc "\(work.path)/etc";
            Dir::Etc::main "apt.conf";
            Dir::Etc::parts "parts";
            Dir::Etc::sourcelist "sources.list";
            Dir::Etc::sourceparts "sources.list.d";
            Dir::Etc::preferences "preferences";
            Dir::Etc::preferencesparts "parts";
            Dir::Etc::trusted "/nonexistent";
            Dir::Etc::trustedparts "/nonexistent";
            Dir::State::Lists "\(work.path)/lists";
            Dir::State::status "\(root)/var/lib/dpkg/status";
            Dir::Cache "\(work.path)/cache";
            Dir::Cache::archives "\(work.path)/archives";
            Dir::Log "\(work.path)/log";
            Debug::NoLocking "1";
            Acquire::Languages "none";
            Acquire::AllowInsecureRepositories "0";
            Acquire::AllowDowngradeToInsecureRepositories "0";
            APT::Install-Recommends "0";
            APT::Get::AllowUnauthenticated "0";

            """
        try work.write("etc/apt.conf", Data(configuration.utf8))
    }

    static func trimmed(_ uri: String) -> String { uri.hasSuffix("/") ? String(uri.dropLast()) : uri }

    static func port(of uri: String) -> UInt16? {
        guard let url = URL(string: uri) else { return nil }
        return url.port.map(UInt16.init) ?? (url.scheme == "https" ? 443 : 80)
    }

    /// apt's name for a file of a repository in its lists directory: the URI without its scheme, `/` as `_`.
    static func listName(_ uri: String, suite: String, path: String) -> String {
        let location = trimmed(uri).replacingOccurrences(of: "^[a-z]+://", with: "", options: .regularExpression)
        return (location + "/dists/" + suite + "/" + path).replacingOccurrences(of: "/", with: "_")
    }

    // MARK: The daemon's second reading of the chain

    struct Listed {
        let stanza: ControlStanza
        let repository: String
        let origin: String
        let suite: String
        let component: String
        let signingKey: String
    }

    /// SHA-256 → the index entry, for every `Packages` index whose hash a signature of its repository's key covers.
    private func verifiedIndex(_ work: Workspace, _ copier: inout VerifiedCopy) throws(PackageError) -> [String: Listed]
    {
        var index: [String: Listed] = [:]
        for repository in policy.repositories {
            let inRelease = Self.listName(repository.uri, suite: repository.suite, path: "InRelease")
            let copied = try copier.copy(
                work.path + "/lists/" + inRelease, to: work.checks + "/\(repository.name).InRelease")
            let signed = try checkSignature(copied.path, repository: repository, work: work)
            guard let release = try ControlStanza.parse(signed.text).first else {
                throw .verification("\(repository.name): the signed InRelease holds no fields")
            }
            guard release["Suite"] == repository.suite || release["Codename"] == repository.suite else {
                throw .verification(
                    "\(repository.name): InRelease is for suite '\(release["Suite"] ?? "")', not '\(repository.suite)'")
            }
            for row in release.table("SHA256") where row.count == 3 && row[2].hasSuffix("/Packages") {
                let path = String(row[2])
                let component = String(path.split(separator: "/").first ?? "")
                guard repository.components.contains(component) else { continue }
                let name = Self.listName(repository.uri, suite: repository.suite, path: path)
                guard FileManager.default.fileExists(atPath: work.path + "/lists/" + name) else { continue }
                let list = try copier.copy(work.path + "/lists/" + name, to: work.checks + "/" + name)
                guard list.sha256 == row[0].lowercased() else {
                    throw .verification("\(repository.name): \(path) does not match the hash its InRelease signs")
                }
                guard let text = try VerifiedCopy.readText(list.path, limit: Int(copier.budget + list.size)) else {
                    continue
                }
                for stanza in try ControlStanza.parse(text) {
                    guard let hash = stanza["SHA256"]?.lowercased() else { continue }
                    index[hash] = Listed(
                        stanza: stanza, repository: repository.name, origin: release["Origin"] ?? "",
                        suite: release["Suite"] ?? repository.suite, component: component,
                        signingKey: signed.fingerprint)
                }
            }
        }
        return index
    }

    /// Checks `file`'s signature with only the repository's key (gpgv in a fresh sandbox); the signed text and the
    /// primary key's fingerprint.
    private func checkSignature(_ file: String, repository: PackagePolicy.AptRepository, work: Workspace)
        throws(PackageError) -> (text: String, fingerprint: String)
    {
        let check = try Workspace.create(work.directory + "/gpgv-\(repository.name)", sandboxUID: sandbox.uid)
        var copier = VerifiedCopy(budget: 256 << 20)
        _ = try copier.copy(file, to: check.path + "/InRelease")
        try check.write("key.gpg", try VerifiedCopy.readData(repository.key, limit: 4 << 20) ?? Data())
        let output = try sandbox.run(
            [
                "/usr/bin/gpgv", "--homedir", check.path, "--status-fd", "1", "--keyring", check.path + "/key.gpg",
                "--output", check.path + "/signed", check.path + "/InRelease",
            ], ["PATH=/usr/bin:/bin", "LANG=C"], check, [])
        let status = output.standardOutput.split(separator: "\n")
        guard output.succeeded, status.contains(where: { $0.hasPrefix("[GNUPG:] GOODSIG ") }),
            let valid = status.first(where: { $0.hasPrefix("[GNUPG:] VALIDSIG ") }),
            let fingerprint = valid.split(separator: " ").last
        else {
            throw .verification("\(repository.name): InRelease is not signed by the repository's key")
        }
        guard let text = try VerifiedCopy.readText(check.path + "/signed", limit: 256 << 20) else {
            throw .verification("\(repository.name): gpgv wrote no signed text")
        }
        return (text, String(fingerprint))
    }

    // MARK: Inspection

    struct Inspection {
        let members: [ArchiveMember]
        let scripts: [ProvenanceReport.Script]
    }

    static let maintainerScripts = ["preinst", "postinst", "prerm", "postrm", "config", "triggers"]

    private func inspect(_ archive: String, number: Int, work: Workspace) throws(PackageError) -> Inspection {
        let environment = ["PATH=/usr/bin:/bin", "LANG=C"]
        let listing = try sandbox.run(
            ["/usr/bin/dpkg-deb", "--contents", archive], environment, work, [], reading: [work.verified])
        guard listing.succeeded else { throw .verification("dpkg-deb --contents: \(listing.complaint)") }
        let control = work.path + "/control/\(number)"
        let extract = try sandbox.run(
            ["/usr/bin/dpkg-deb", "--control", archive, control], environment, work, [], reading: [work.verified])
        guard extract.succeeded else { throw .verification("dpkg-deb --control: \(extract.complaint)") }
        let scanner = ScriptScanner(protectedPaths: protectedPaths)
        var scripts: [ProvenanceReport.Script] = []
        for name in Self.maintainerScripts {
            guard let text = try VerifiedCopy.readText(control + "/" + name) else { continue }
            scripts.append(
                ProvenanceReport.Script(
                    name: name, sha256: VerifiedCopy.hex(SHA256.hash(data: Data(text.utf8))),
                    touches: scanner.touches(text)))
        }
        return Inspection(members: try ArchiveMember.parse(listing.standardOutput), scripts: scripts)
    }

    static func findings(_ package: ProvenanceReport.PackageFacts) -> [ProvenanceReport.Finding] {
        var found: [ProvenanceReport.Finding] = []
        for script in package.scripts {
            found.append(.init(.installScript, package.name, "maintainer script \(script.name)"))
            for touch in script.touches {
                let kind: PackagePolicy.Finding
                switch touch {
                case "network": kind = .scriptNetwork
                case "users": kind = .scriptUsers
                case "services": kind = .scriptServices
                case "obfuscated": kind = .scriptObfuscated
                default: kind = .scriptProtectedPath
                }
                found.append(.init(kind, package.name, "\(script.name): \(touch)"))
            }
        }
        found += package.setuid.map { .init(.setuid, package.name, $0) }
        found += package.unusualPaths.map { .init(.unusualPath, package.name, $0) }
        found += package.protectedPaths.map { .init(.protectedPath, package.name, $0) }
        return found
    }
}
