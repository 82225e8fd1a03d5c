import Foundation
import Packages
import Policy
import SecurityTesting
import Testing

/// A real simple index on loopback, pip in the package sandbox, installs into a virtual environment of the test's.
@Suite("pip installs: sandboxed download, the index's hashes, typosquats, install with --require-hashes", .serialized)
struct PipPreparationTests {
    func preparation(_ index: LocalPythonIndex, environment: String) throws -> (PipPreparation, String) {
        let policy = PackagePolicy(
            timeout: .seconds(120),
            pip: .init(index: index.index, environments: ["tools": environment], minimumAge: nil))
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-pip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base + "/view", withIntermediateDirectories: true)
        let sandbox = PackageSandbox.make(policy: policy, viewRoot: base + "/view", hidden: [])
        return (PipPreparation(policy: policy, sandbox: sandbox), base)
    }

    @Test("a wheel listed with its hash is reported and installed with --require-hashes", .requiresRoot)
    func install() throws {
        let index = try LocalPythonIndex(projects: [("aiostoolbox", "1.2.0")])
        let environment = try LocalPythonIndex.makeEnvironment()
        defer { try? FileManager.default.removeItem(atPath: environment) }
        let (preparation, base) = try preparation(index, environment: environment)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let prepared = try preparation.prepare("aiostoolbox", environment: "tools", in: base + "/request")
        #expect(prepared.report.packages.map(\.name) == ["aiostoolbox"])
        #expect(prepared.report.packages.first?.sha256.count == 64)
        #expect(prepared.report.findings.isEmpty && prepared.report.verdict == .allowed)
        _ = try PackageInstaller(policy: preparation.policy).install(prepared)
        let imported = try ProcessRunner.output([
            environment + "/bin/python", "-c", "import aiostoolbox; print(aiostoolbox.VERSION)",
        ])
        #expect(String(decoding: imported, as: UTF8.self) == "1.2.0\n")
    }

    @Test("a name one edit away from a popular project is flagged as a typosquat", .requiresRoot)
    func typosquat() throws {
        let index = try LocalPythonIndex(projects: [("reqeusts", "2.31.0")])
        let environment = try LocalPythonIndex.makeEnvironment()
        defer { try? FileManager.default.removeItem(atPath: environment) }
        let (preparation, base) = try preparation(index, environment: environment)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let report = try preparation.prepare("reqeusts", environment: "tools", in: base + "/request").report
        #expect(report.findings.contains { $0.kind == .typosquat && $0.detail.contains("'requests'") })
        #expect(report.verdict == .confirm)
    }

    @Test("a wheel whose hash is not the index's is refused", .requiresRoot)
    func wrongHash() throws {
        let index = try LocalPythonIndex(projects: [("aiostoolbox", "1.0")], wrongHash: ["aiostoolbox"])
        let environment = try LocalPythonIndex.makeEnvironment()
        defer { try? FileManager.default.removeItem(atPath: environment) }
        let (preparation, base) = try preparation(index, environment: environment)
        defer { try? FileManager.default.removeItem(atPath: base) }
        #expect(throws: PackageError.self) {
            try preparation.prepare("aiostoolbox", environment: "tools", in: base + "/request")
        }
    }

    @Test(
        "typosquat names: one edit from a popular project, never the project itself",
        arguments: [
            ("reqeusts", "requests"), ("request", "requests"), ("requestss", "requests"), ("nunpy", "numpy"),
            ("PyYAML", nil), ("py-yaml", "pyyaml"), ("requests", nil), ("flask", nil), ("djangoo", "django"),
            ("boto3", nil),
        ] as [(String, String?)])
    func names(_ name: String, _ imitated: String?) {
        #expect(PythonNames.imitated(by: name, among: PackagePolicy.Pip.defaultPopular) == imitated)
    }
}
