import Foundation
import Packages
import Policy
import SecurityTesting
import Testing

/// Real apt repositories on loopback, downloads in the package sandbox, installs into a throw-away dpkg root.
@Suite("apt installs: sandboxed download, the daemon's second check, provenance, install", .serialized)
struct AptPreparationTests {
    let protectedPaths = ["/etc/aios-sec", "/etc/sudoers", "/root/.ssh"]

    func preparation(_ repository: LocalAptRepository, root: String, adjust: (inout PackagePolicy) -> Void = { _ in })
        throws -> (AptPreparation, String)
    {
        var policy = PackagePolicy(
            root: root, timeout: .seconds(120),
            repositories: [
                .init(
                    name: "local", uri: repository.uri, suite: repository.suite, components: ["main"],
                    key: repository.keyring)
            ])
        adjust(&policy)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-pkg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base + "/view", withIntermediateDirectories: true)
        let sandbox = PackageSandbox.make(policy: policy, viewRoot: base + "/view", hidden: [])
        return (AptPreparation(policy: policy, sandbox: sandbox, protectedPaths: protectedPaths), base)
    }

    @Test(
        "a signed package is verified, reported and, installed from the verified copy, lands in the root",
        .requiresRoot)
    func signedInstall() throws {
        let repository = try LocalAptRepository(packages: [
            .init("aios-hello", depends: ["aios-lib"]), .init("aios-lib", version: "2.1"),
        ])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (preparation, base) = try preparation(repository, root: root)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let prepared = try preparation.prepare(["aios-hello"], in: base + "/request")
        let report = prepared.report
        #expect(report.packages.map(\.name) == ["aios-hello", "aios-lib"])
        let hello = try #require(report.packages.first { $0.name == "aios-hello" })
        #expect(hello.origin == "AiosTest" && hello.suite == "stable" && hello.component == "main")
        #expect(hello.repository == "local" && hello.signingKey.count == 40 && hello.requested)
        let archive = try #require(
            try FileManager.default.contentsOfDirectory(atPath: repository.directory + "/repo/pool/main")
                .first { $0.hasPrefix("aios-hello_") })
        #expect(hello.sha256 == (try sha256(repository.directory + "/repo/pool/main/" + archive)))
        #expect(report.findings.map(\.kind) == [.newDependency], "aios-lib is a dependency nobody named")
        #expect(report.verdict == .confirm)
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/share/aios-hello/README"), "nothing installed yet")

        let outcome = try PackageInstaller(policy: preparation.policy).install(prepared)
        #expect(FileManager.default.fileExists(atPath: root + "/usr/share/aios-hello/README"))
        #expect(outcome.files["/usr/share/aios-lib/README"] == (try sha256(root + "/usr/share/aios-lib/README")))
        let status = try String(contentsOfFile: root + "/var/lib/dpkg/status", encoding: .utf8)
        #expect(status.contains("Package: aios-hello") && status.contains("Package: aios-lib"))

        try PackageInstaller(policy: preparation.policy).remove("aios-hello")
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/share/aios-hello/README"), "pkg.remove removes")
        #expect(throws: PackageError.self) { try PackageInstaller(policy: preparation.policy).remove("aios-lib2") }
    }

    @Test(
        "an unsigned repository, one signed by another key, and an archive whose hash does not match are refused",
        .requiresRoot,
        arguments: [
            (LocalAptRepository.Signing.unsigned, false, "not signed"),
            (.otherKey, false, "NO_PUBKEY"),
            (.ownKey, true, "Hash Sum mismatch"),
        ] as [(LocalAptRepository.Signing, Bool, String)])
    func refusedDownloads(_ signing: LocalAptRepository.Signing, corrupt: Bool, complaint: String) throws {
        let repository = try LocalAptRepository(
            packages: [.init("aios-hello")], signing: signing, corrupt: corrupt ? ["aios-hello"] : [])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (preparation, base) = try preparation(repository, root: root)
        defer { try? FileManager.default.removeItem(atPath: base) }
        do {
            _ = try preparation.prepare(["aios-hello"], in: base + "/request")
            Issue.record("prepared a package from a repository it must refuse")
        } catch {
            #expect("\(error)".contains(complaint), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/share/aios-hello/README"))
    }

    /// A maintainer script runs as root with the daemon waiting on it. One that leaves a process behind holding its
    /// output (a daemon started the old way) must not keep the install from ending; one that never ends is killed
    /// at the policy's timeout, with everything it started.
    @Test("a maintainer script that lingers or hangs does not stall the install", .requiresRoot)
    func lingeringAndHangingScripts() throws {
        let repository = try LocalAptRepository(packages: [
            .init(
                "aios-lingers", scripts: ["postinst": "#!/bin/sh\nsleep 300 &\necho $! > /lingers.pid\necho started\n"]),
            .init("aios-hangs", scripts: ["postinst": "#!/bin/sh\necho $$ > /hang.pid\nexec sleep 300\n"]),
        ])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The scripts run chrooted in the install root: a shell, `sleep` and /dev/null (a background job's input).
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/dev", withIntermediateDirectories: true)
        #expect(mknod(root + "/dev/null", S_IFCHR | 0o666, (1 << 8) | 3) == 0, "dev_t 1:3, /dev/null")
        for tool in ["sh", "sleep"] {
            try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/" + tool)
        }
        let (preparation, base) = try preparation(repository, root: root) { $0.timeout = .seconds(20) }
        defer { try? FileManager.default.removeItem(atPath: base) }
        let installer = PackageInstaller(policy: preparation.policy)
        let clock = ContinuousClock()

        let lingers = try preparation.prepare(["aios-lingers"], in: base + "/lingers")
        var started = clock.now
        let outcome = try installer.install(lingers)
        #expect(clock.now - started < .seconds(60), "the install waited on the script's leftover process")
        #expect(outcome.output.contains("started"))
        let lingering = try #require(Self.pid(in: root + "/lingers.pid"))
        #expect(kill(lingering, 0) == 0, "the leftover process is the script's to leave (a service it started)")
        kill(lingering, SIGKILL)

        let hangs = try preparation.prepare(["aios-hangs"], in: base + "/hangs")
        started = clock.now
        #expect {
            try installer.install(hangs)
        } throws: { error in
            "\(error)".contains("did not finish within 20s")
        }
        #expect(clock.now - started < .seconds(90))
        let pid = try #require(Self.pid(in: root + "/hang.pid"))
        var gone = false
        for _ in 0..<100 where !gone {
            gone =
                kill(pid, 0) != 0
                || (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") == true
            if !gone { usleep(20_000) }
        }
        #expect(gone, "the hanging script's process was killed")
    }

    static func pid(in file: String) -> Int32? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test("a postinst that writes a protected path, and a file installed into one, refuse the install", .requiresRoot)
    func protectedPathRefused() throws {
        let repository = try LocalAptRepository(packages: [
            .init(
                "aios-sneaky",
                scripts: ["postinst": "#!/bin/sh\necho 'agent ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\n"]),
            .init("aios-planter", files: ["/etc/aios-sec/policy.yaml": ("roles: {}\n", 0o644)]),
            .init("aios-suid", files: ["/usr/bin/aios-suid": ("#!/bin/sh\n", 0o4755), "/opt/aios/tool": ("x", 0o644)]),
        ])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (preparation, base) = try preparation(repository, root: root)
        defer { try? FileManager.default.removeItem(atPath: base) }

        let sneaky = try preparation.prepare(["aios-sneaky"], in: base + "/sneaky").report
        #expect(sneaky.verdict == .refused)
        #expect(sneaky.findings.contains { $0.kind == .scriptProtectedPath && $0.detail.contains("/etc/sudoers") })
        #expect(sneaky.findings.contains { $0.kind == .installScript })

        let planter = try preparation.prepare(["aios-planter"], in: base + "/planter").report
        #expect(planter.verdict == .refused)
        #expect(planter.findings.contains { $0.kind == .protectedPath && $0.detail == "/etc/aios-sec/policy.yaml" })

        let suid = try preparation.prepare(["aios-suid"], in: base + "/suid").report
        #expect(suid.verdict == .confirm)
        #expect(suid.findings.contains { $0.kind == .setuid && $0.detail == "/usr/bin/aios-suid" })
        #expect(suid.findings.contains { $0.kind == .unusualPath && $0.detail == "/opt/aios/tool" })
    }

    @Test("forbidden and pinned packages are findings the default policy refuses", .requiresRoot)
    func forbiddenAndPinned() throws {
        let repository = try LocalAptRepository(packages: [.init("aios-hello"), .init("aios-bad")])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (preparation, base) = try preparation(repository, root: root) { policy in
            policy.forbidden = ["aios-bad"]
            policy.pinned = ["aios-hello": "0.9"]
        }
        defer { try? FileManager.default.removeItem(atPath: base) }
        let report = try preparation.prepare(["aios-hello", "aios-bad"], in: base + "/request").report
        #expect(report.verdict == .refused)
        #expect(Set(report.findings.map(\.kind)) == [.forbidden, .pinMismatch])
    }

    private func sha256(_ path: String) throws -> String {
        let output = try String(
            decoding: ProcessRunner.output(["/usr/bin/sha256sum", path]), as: UTF8.self)
        return String(output.prefix(64))
    }
}

enum ProcessRunner {
    static func output(_ command: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
