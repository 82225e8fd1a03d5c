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
