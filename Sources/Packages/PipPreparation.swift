import Foundation
import Policy

/// Downloads a Python package and its dependencies for a named virtual environment in the ``PackageSandbox``
/// (pip itself, wheels only: a source distribution runs its build code at install), then checks each file against
/// the hash the index lists for it, read by a separate sandboxed process, and reports: versions, hashes, new
/// dependencies, names one edit away from popular projects, releases younger than the policy's minimum age.
public struct PipPreparation: Sendable {
    public let policy: PackagePolicy
    public let sandbox: PackageSandbox
    /// Now, for release ages.
    public let now: @Sendable () -> Date

    public init(policy: PackagePolicy, sandbox: PackageSandbox, now: @escaping @Sendable () -> Date = Date.init) {
        self.policy = policy
        self.sandbox = sandbox
        self.now = now
    }

    /// Lists an index's files for each project (PEP 691 JSON when the index speaks it, else PEP 503 HTML with
    /// `#sha256=` fragments): file name → hash and upload time. Run in the sandbox, apart from pip.
    static let listingScript = #"""
        import json, re, sys, urllib.request
        index, out, names = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3:]
        found = {}
        for name in names:
            request = urllib.request.Request(index + "/" + name + "/", headers={
                "Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"})
            with urllib.request.urlopen(request, timeout=60) as answer:
                body = answer.read(32 << 20)
                kind = answer.headers.get("Content-Type", "")
            if "json" in kind:
                for entry in json.loads(body).get("files", []):
                    found[entry["filename"]] = {
                        "sha256": entry.get("hashes", {}).get("sha256", ""), "uploaded": entry.get("upload-time")}
            else:
                for match in re.finditer(r'href="[^"#]*#sha256=([0-9a-f]{64})"[^>]*>\s*([^<\s]+)\s*</a>', body.decode()):
                    found[match.group(2)] = {"sha256": match.group(1), "uploaded": None}
        json.dump(found, open(out, "w"))
        """#

    public func prepare(_ package: String, environment: String, in directory: String) throws(PackageError)
        -> PreparedInstall
    {
        guard let target = policy.pip.environments[environment] else {
            throw .invalid("'\(environment)' is not one of the policy's pip environments (packages.pip.environments)")
        }
        let python = target + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw .invalid("environment '\(environment)' has no \(python)")
        }
        let work = try Workspace.create(directory, sandboxUID: sandbox.uid)
        let environmentVariables = [
            "HOME=\(work.path)", "PATH=\(target)/bin:/usr/bin:/bin", "LANG=C.UTF-8", "PIP_CONFIG_FILE=/dev/null",
            "PYTHONNOUSERSITE=1", "PIP_NO_INPUT=1",
        ]
        let ports: Set<UInt16> = AptPreparation.port(of: policy.pip.index).map { [$0] } ?? []
        let download = try sandbox.run(
            [
                python, "-m", "pip", "download", "--disable-pip-version-check", "--no-cache-dir", "--only-binary=:all:",
                "--index-url", policy.pip.index, "--dest", work.path + "/download", "--", package,
            ], environmentVariables, work, ports, reading: [target])
        guard download.succeeded else { throw .verification("pip download: \(download.complaint)") }
        let files = try Workspace.entries(work.path + "/download")
        var wheels: [(file: String, name: String, version: String)] = []
        for file in files {
            guard let wheel = PythonNames.wheel(file), file.utf8.count <= 255,
                file.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._+-!".contains($0)) })
            else { throw .verification("pip left '\(file.prefix(200))', which is not a wheel") }
            wheels.append((file, wheel.name, wheel.version))
        }
        let listing = try indexListing(Set(wheels.map { PythonNames.normalized($0.name) }).sorted(), work, ports)
        var copier = VerifiedCopy(budget: policy.maximumDownload)
        var facts: [ProvenanceReport.PackageFacts] = []
        for wheel in wheels {
            let copied = try copier.copy(work.path + "/download/" + wheel.file, to: work.verified + "/" + wheel.file)
            guard let listed = listing[wheel.file], listed.sha256 == copied.sha256 else {
                throw .verification("\(wheel.file): its SHA-256 \(copied.sha256) is not the one the index lists")
            }
            var fact = ProvenanceReport.PackageFacts(
                name: wheel.name, version: wheel.version, sha256: copied.sha256, size: copied.size,
                requested: PythonNames.normalized(wheel.name) == PythonNames.normalized(package), file: copied.path)
            fact.origin = policy.pip.index
            fact.uploaded = listed.uploaded
            facts.append(fact)
        }
        guard facts.contains(where: \.requested) else { throw .verification("pip did not download \(package)") }
        var report = ProvenanceReport(
            ecosystem: "pip", requested: [package], target: target, packages: facts.sorted { $0.name < $1.name })
        report.addPolicyFindings(policy)
        report.findings += facts.flatMap(findings)
        report.judge(by: policy)
        return PreparedInstall(report: report, directory: directory, installedFiles: [:])
    }

    private func findings(_ package: ProvenanceReport.PackageFacts) -> [ProvenanceReport.Finding] {
        var found: [ProvenanceReport.Finding] = []
        if let original = PythonNames.imitated(by: package.name, among: policy.pip.popular) {
            found.append(.init(.typosquat, package.name, "one edit away from the popular '\(original)'"))
        }
        if let minimum = policy.pip.minimumAge, let uploaded = package.uploaded,
            let date = ISO8601DateFormatter.withFractions.date(from: uploaded)
                ?? ISO8601DateFormatter().date(from: uploaded),
            now().timeIntervalSince(date) * 1000 < Double(minimum.milliseconds)
        {
            found.append(.init(.youngRelease, package.name, "uploaded \(uploaded)"))
        }
        return found
    }

    struct Listed {
        let sha256: String
        let uploaded: String?
    }

    private func indexListing(_ names: [String], _ work: Workspace, _ ports: Set<UInt16>) throws(PackageError)
        -> [String: Listed]
    {
        let check = try Workspace.create(work.directory + "/index", sandboxUID: sandbox.uid)
        let output = try sandbox.run(
            ["/usr/bin/python3", "-I", "-c", Self.listingScript, policy.pip.index, check.path + "/listing.json"]
                + names, ["HOME=\(check.path)", "LANG=C.UTF-8"], check, ports)
        guard output.succeeded else { throw .verification("reading the index: \(output.complaint)") }
        guard let data = try VerifiedCopy.readData(check.path + "/listing.json", limit: 64 << 20),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw .verification("the index listing is not a JSON object") }
        var listed: [String: Listed] = [:]
        for (file, value) in object {
            guard let entry = value as? [String: Any], let hash = entry["sha256"] as? String else { continue }
            listed[file] = Listed(sha256: hash.lowercased(), uploaded: entry["uploaded"] as? String)
        }
        return listed
    }

}

extension ISO8601DateFormatter {
    fileprivate static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
