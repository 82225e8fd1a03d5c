import Foundation
import Testing

/// `make install`: the binary, the systemd units with their paths filled in (and valid to `systemd-analyze verify`,
/// which also checks that each command exists), completions and docs — into a prefix the test makes.
@Suite struct PackagingTests {
    @Test func theInstalledUnitsVerifyAndTheCompletionsAreThere() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("aios-install-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let root = BinaryRunner.repositoryRoot.path
        let install = try Self.run(
            "/usr/bin/make", ["-C", root, "install", "PREFIX=\(prefix)", "INSTALL_BIN=\(BinaryRunner.binary.path)"])
        #expect(install.status == 0, "\(install.output)")
        let units = prefix + "/lib/systemd/system"
        let names = try FileManager.default.contentsOfDirectory(atPath: units).sorted()
        #expect(
            names == [
                "aios-audit-archive.service", "aios-audit-archive.timer", "aios-recovery.target", "aios-sec.service",
                "aios-secrets-rotate.service", "aios-secrets-rotate.timer", "aios-secrets.service",
            ])
        let daemon = try String(contentsOfFile: units + "/aios-sec.service", encoding: .utf8)
        #expect(daemon.contains("ExecStart=\(prefix)/bin/aios-sec serve"), "\(daemon)")
        #expect(!daemon.contains("@BINDIR@") && !daemon.contains("@DOCDIR@"))
        let verify = try Self.run("/usr/bin/systemd-analyze", ["verify"] + names.map { units + "/" + $0 })
        #expect(verify.status == 0, "systemd-analyze verify: \(verify.output)")
        let bash = try String(
            contentsOfFile: prefix + "/share/bash-completion/completions/aios-sec", encoding: .utf8)
        #expect(bash.contains("serve") && bash.contains("audit"))
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/zsh/site-functions/_aios-sec"))
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/doc/aios-sec/daemon.md"))
        let manual = try String(contentsOfFile: prefix + "/share/man/man1/aios-sec.1", encoding: .utf8)
        #expect(manual.contains(".Dt AIOS-SEC 1"))
        // The analysis's model where the built-in policy looks for it (under this prefix), signed with its key.
        let models = prefix + "/share/aios-sec/models"
        let verified = try BinaryRunner.run([
            "model", "verify", "--manifest", models + "/risk-model.manifest.json", "--key",
            "ed25519:orN5JYdFyp+kjfETNZlKA/fd5DHhNlZs2vObVr7gYNo=", models + "/risk-model.json",
        ])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
    }

    /// The committed man page is generated (scripts/gen-man.sh): it must describe every command the binary has.
    @Test func theManPageDescribesEveryCommand() throws {
        let manual = try String(
            contentsOf: BinaryRunner.repositoryRoot.appendingPathComponent("packaging/man/aios-sec.1"), encoding: .utf8)
        let help = try BinaryRunner.run(["--help"]).stdout
        let commands = help.components(separatedBy: "SUBCOMMANDS:").last?.split(separator: "\n").compactMap {
            line -> String? in
            let words = line.split(separator: " ")
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = words.first,
                name.allSatisfy({ $0.isLowercase || $0 == "-" })
            else { return nil }
            return String(name)
        }
        #expect((commands ?? []).count > 10, "\(help)")
        for command in commands ?? [] {
            #expect(manual.contains(".It Em \(command)\n"), "\(command) is missing: run scripts/gen-man.sh")
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
